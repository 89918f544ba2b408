# dynamic "grant" blocks beside static ones, with an iterator and a map.
locals {
  client_sites = ["shop.example", "blog.example"]
  extra        = { "news.example" = "editor" }
}

team "acme" {
  platform = "plausible"
}

site "shop.example" { team = "acme" }
site "blog.example" { team = "acme" }
site "news.example" { team = "acme" }
site "main.example" { team = "acme" }

guest "jane@agency.com" {
  team    = "acme"
  expires = "2026-06-01"
  ticket  = "IAM-3"
  grant "main.example" { role = "editor" }
  dynamic "grant" {
    for_each = local.client_sites
    labels   = [grant.value]
    content { role = "viewer" }
  }
  dynamic "grant" {
    for_each = local.extra
    iterator = site
    labels   = [site.key]
    content {
      role    = site.value
      expires = "2026-05-01"
    }
  }
}

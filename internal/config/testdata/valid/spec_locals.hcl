# language.md's locals and expressions example, as written there.
team "acme" {
  platform = "plausible"
}

site "shop.example" { team = "acme" }
site "blog.example" { team = "acme" }

locals {
  analysts     = ["a@acme.com", "b@acme.com"]
  client_sites = ["shop.example", "blog.example"]
}

member "analysts" {            # with for_each the label only names the repetition
  for_each = toset(local.analysts)
  email    = each.key          # the person comes from `email` (for a site: `name`)
  team     = "acme"
  role     = "viewer"
}

guest "jane@agency.com" {
  team    = "acme"
  expires = "2026-06-01"
  dynamic "grant" {
    for_each = local.client_sites
    labels   = [grant.value]
    content { role = "viewer" }
  }
}

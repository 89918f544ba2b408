# max_removals = 0 turns the mass-removal rail off explicitly (language.md,
# version 2), which is not the same as leaving it unset; sponsors of
# members and guests are kept, lower-cased; a group's grants may be
# dynamic too.
policy {
  internal_domains = ["acme.com"]
  max_removals     = 0
}

team "pw" {
  platform = "piwikpro"
}

site "shop-app" { team = "pw" }
site "blog-app" { team = "pw" }

member "a@acme.com" {
  team = "pw"
  role = "user"
}

member "ext@partner.com" {
  team    = "pw"
  role    = "user"
  sponsor = "A@Acme.com"
}

guest "jane@agency.com" {
  team    = "pw"
  sponsor = "a@acme.com"
  grant "shop-app" { role = "view" }
}

group "analysts" {
  team    = "pw"
  members = ["a@acme.com"]
  dynamic "grant" {
    for_each = { "shop-app" = "view", "blog-app" = "edit" }
    labels   = [grant.key]
    content { role = grant.value }
  }
}

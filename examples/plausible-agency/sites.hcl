# Client sites. A site's name is its domain in Plausible. Production sites are
# marked so that plans flag every change of access to them.

locals {
  acme_sites = {
    "acme-foods.com"         = "production"
    "staging.acme-foods.com" = "staging"
  }
}

site "acme" {
  for_each    = local.acme_sites
  name        = each.key
  team        = "northwind"
  environment = each.value
}

site "fjordbikes.no" {
  team        = "northwind"
  environment = "production"
}

site "blog.fjordbikes.no" {
  team = "northwind"
}

# for_each over sets of strings: the label only names the repetition.
locals {
  analysts     = ["a@acme.com", "b@acme.com"]
  client_sites = ["shop.example", "blog.example"]
}

team "acme" {
  platform = "posthog"
}

site "client-sites" {
  for_each    = toset(local.client_sites)
  name        = each.key
  team        = "acme"
  environment = each.value == "shop.example" ? "production" : "staging"
}

member "analysts" {
  for_each = toset(local.analysts)
  email    = each.key
  team     = "acme"
  role     = "member"
  grant "shop.example" { role = "member" }
}

guest "agency" {
  for_each = toset(["x@agency.com", "y@agency.com"])
  email    = each.value
  team     = "acme"
  expires  = "2026-12-31"
  grant "blog.example" {
    role   = "viewer"
    reason = "Review for ${each.key}"
  }
}

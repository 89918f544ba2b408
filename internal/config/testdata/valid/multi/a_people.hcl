locals {
  role = "viewer"
}

member "alice@acme.com" {
  team = "acme"
  role = local.role
}

guest "jane@agency.com" {
  team = "acme"
  grant "mysite.com" { role = local.role }
}

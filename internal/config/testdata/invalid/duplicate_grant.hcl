team "acme" {
  platform = "posthog"
}

site "app" {
  team = "acme"
}

guest "g@agency.com" {
  team = "acme"
  grant "app" { role = "viewer" }
  grant "app" { role = "member" } # ERROR: Duplicate grant # ERROR: one grant per site per holder
}

member "m@acme.com" {
  team = "acme"
  role = "member"
  grant "app" { role = "member" }
  dynamic "grant" {
    for_each = ["app"]
    labels   = [grant.value] # ERROR: Duplicate grant
    content { role = "admin" }
  }
}

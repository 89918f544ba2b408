# Guests and groups where the platform has none.
platform "closed" {
  guests = false
  groups = false
  team_role "user" { capabilities = ["view_reports"] }
  site_role "view" { capabilities = ["view_reports"] }
}

team "c" {
  platform = "closed"
}

team "acme" {
  platform = "plausible"
}

site "intranet" {
  team = "c"
}

guest "g@agency.com" { # ERROR: Guests not supported # ERROR: guests = false
  team = "c"
  grant "intranet" { role = "view" }
}

member "a@acme.com" {
  team = "acme"
  role = "viewer"
}

group "analysts" { # ERROR: Groups not supported # ERROR: groups = false
  team    = "acme"
  members = ["a@acme.com"]
}

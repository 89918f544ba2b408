# Roles the team's platform lacks, and a role without capabilities.
team "acme" {
  platform = "plausible"
}

team "pw" {
  platform = "piwikpro"
}

site "mysite.com" {
  team = "acme"
}

site "app" {
  team = "pw"
}

member "a@acme.com" {
  team = "acme"
  role = "superuser" # ERROR: Invalid role # ERROR: "billing", "viewer", "editor", "admin" and "owner"
}

guest "g@agency.com" {
  team = "acme"
  grant "mysite.com" { role = "admin" } # ERROR: Invalid role in grant # ERROR: "viewer" and "editor"
}

guest "h@agency.com" {
  team = "pw"
  grant "app" { role = "no_access" } # ERROR: Role without capabilities # ERROR: remove the grant instead
}

member "b@acme.com" {
  team = "pw"
  role = "user"
  grant "app" { role = "owner" } # ERROR: the grantable site roles are "view", "edit", "edit_publish" and "manage"
}

member "c@acme.com" {
  team = "pw"
  role = "view" # ERROR: is not a team role of platform "piwikpro"; its team roles are "user" and "owner"
}

member "d@acme.com" {
  team = "pw"
  role = null # ERROR: Invalid value for role # ERROR: cannot be null
}

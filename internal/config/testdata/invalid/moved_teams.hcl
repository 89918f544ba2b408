# A moved block renames an object inside its team: a member's or guest's
# new email is the same account on the same platform (sync.md, Renames),
# and a site or group stays in its team. Across teams only when the team
# itself is moved to the other team.
team "acme" {
  platform = "piwikpro"
}

team "beta" {
  platform = "piwikpro"
}

team "gamma" {
  platform = "piwikpro"
}

site "app" {
  team = "beta"
}

member "new@acme.com" {
  team = "beta"
  role = "user"
}

guest "g@agency.com" {
  team = "beta"
  grant "app" { role = "view" }
}

group "analysts" {
  team = "beta"
}

member "renamed@acme.com" {
  team = "gamma"
  role = "user"
}

moved { # ERROR: Moved across teams # ERROR: member/acme/old@acme.com is in team "acme" and member/beta/new@acme.com in team "beta"
  from = member.acme["old@acme.com"]
  to   = member.beta["new@acme.com"]
}

moved { # ERROR: Moved across teams
  from = guest.acme["g@agency.com"]
  to   = guest.beta["g@agency.com"]
}

moved { # ERROR: Moved across teams
  from = "site/acme/app"
  to   = site.beta["app"]
}

moved { # ERROR: Moved across teams
  from = group.acme["analysts"]
  to   = group.beta["analysts"]
}

# Valid: the team is renamed, and a member's email changes with it.
moved {
  from = team.delta
  to   = team.gamma
}

moved {
  from = member.delta["old@acme.com"]
  to   = member.gamma["renamed@acme.com"]
}

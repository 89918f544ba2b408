# The required attributes of language.md: team.platform, site.team,
# member.team and role, guest.team, group.team, grant.role.
team "acme" { # ERROR: Missing required argument # ERROR: "platform"
}

team "pw" {
  platform = "piwikpro"
}

site "orphan" { # ERROR: Missing required argument # ERROR: "team"
}

site "app" {
  team = "pw"
}

member "a@acme.com" { # ERROR: Missing required argument # ERROR: "role"
  team = "pw"
}

member "b@acme.com" { # ERROR: Missing required argument # ERROR: "team"
  role = "user"
}

group "analysts" { # ERROR: Missing required argument # ERROR: "team"
  members = []
}

guest "g@agency.com" {
  team = "pw"
  grant "app" {} # ERROR: Missing required argument # ERROR: "role"
}

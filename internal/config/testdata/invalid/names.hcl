# Names that break the patterns of language.md.
team "Acme" { # ERROR: Invalid team name # ERROR: does not match
  platform = "plausible"
}

team "piwik" {
  platform = "piwikpro"
}

site "my site.com" { # ERROR: Invalid site name # ERROR: whitespace
  team = "piwik"
}

site "a/b" { # ERROR: Invalid site name # ERROR: '/'
  team = "piwik"
}

site "app" {
  team = "piwik"
}

member "not-an-email" { # ERROR: Invalid email # ERROR: not an email address
  team = "piwik"
  role = "user"
}

guest "two@@agency.com" { # ERROR: Invalid email
  team = "piwik"
  grant "app" { role = "view" }
}

group "Analysts" { # ERROR: Invalid group name
  team = "piwik"
}

group "-x" { # ERROR: Invalid group name
  team = "piwik"
}

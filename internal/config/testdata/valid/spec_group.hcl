# language.md's group example, as written there, with the members and the
# site it names.
team "piwik-acme" {
  platform = "piwikpro"
}

site "shop-app" {
  team = "piwik-acme"
}

member "a@acme.com" {
  team = "piwik-acme"
  role = "user"
}

member "b@acme.com" {
  team = "piwik-acme"
  role = "user"
}

group "analysts" {
  team    = "piwik-acme"
  members = ["a@acme.com", "b@acme.com"]   # must be members of the team
  grant "shop-app" { role = "view" }
}

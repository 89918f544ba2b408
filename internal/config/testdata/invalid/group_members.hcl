team "pw" {
  platform = "piwikpro"
}

site "app" {
  team = "pw"
}

member "a@acme.com" {
  team = "pw"
  role = "user"
}

guest "g@agency.com" {
  team = "pw"
  grant "app" { role = "view" }
}

group "analysts" {
  team = "pw"
  members = [
    "A@acme.com",
    "nobody@acme.com", # ERROR: Group member not in team # ERROR: not a member of team "pw"
    "g@agency.com", # ERROR: Group member not in team # ERROR: is a guest of team "pw"
    "broken", # ERROR: Invalid email in members
  ]
  grant "app" { role = "view" }
}

group "typed" {
  team    = "pw"
  members = "a@acme.com" # ERROR: Invalid value for members # ERROR: must be a list of strings
}

group "nulls" {
  team    = "pw"
  members = ["a@acme.com", null] # ERROR: element 2 is null
}

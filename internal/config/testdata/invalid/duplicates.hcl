# Duplicate teams, sites, groups, platforms and people.
team "acme" {
  platform = "piwikpro"
}

team "acme" { # ERROR: Duplicate team
  platform = "plausible"
}

team "other" {
  platform = "piwikpro"
}

site "app" {
  team = "acme"
}

site "app" { # ERROR: Duplicate site
  team = "acme"
}

site "app" {
  team = "other"
}

site "web" {
  team = "acme"
}

site "copies" { # ERROR: Duplicate site # ERROR: "web"
  for_each = toset(["web", "blog"])
  name     = each.key
  team     = "acme"
}

site "twice" { # ERROR: Duplicate site # ERROR: "x"
  for_each = { a = "x", b = "x" }
  name     = each.value
  team     = "acme"
}

platform "tool" {
  team_role "user" { capabilities = [] }
}

platform "tool" { # ERROR: Duplicate platform
  team_role "user" { capabilities = [] }
}

member "Jane@Acme.com" {
  team = "acme"
  role = "user"
}

member "jane@acme.com" { # ERROR: Duplicate member # ERROR: without regard to case
  team = "acme"
  role = "owner"
}

member "jane@ACME.com" {
  team = "other"
  role = "user"
}

member "folded" { # ERROR: Duplicate member # ERROR: bob@acme.com
  for_each = toset(["bob@acme.com", "Bob@Acme.com"])
  email    = each.key
  team     = "acme"
  role     = "user"
}

guest "g@agency.com" {
  team = "acme"
  grant "app" { role = "view" }
}

guest "G@agency.com" { # ERROR: Duplicate guest
  team = "acme"
  grant "app" { role = "view" }
}

guest "jane@acme.com" { # ERROR: Member and guest # ERROR: already a member of team "acme"
  team = "acme"
  grant "app" { role = "view" }
}

group "analysts" {
  team = "acme"
}

group "analysts" { # ERROR: Duplicate group
  team = "acme"
}

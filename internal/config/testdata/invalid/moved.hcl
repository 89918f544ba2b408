# Every rule of language.md's moved block (version 2).
team "acme" {
  platform = "piwikpro"
}

team "beta" {
  platform = "piwikpro"
}

site "app" {
  team = "acme"
}

site "web" {
  team = "acme"
}

member "new@acme.com" {
  team = "acme"
  role = "user"
}

member "kept@acme.com" {
  team = "acme"
  role = "user"
}

guest "g@agency.com" {
  team = "acme"
  grant "app" { role = "view" }
}

group "analysts" {
  team = "acme"
}

# Valid: a member rename, traversal form.
moved {
  from = member.acme["old@acme.com"]
  to   = member.acme["new@acme.com"]
}

# Valid: the string form, and a chain: site old-a -> old-b -> app.
moved {
  from = "site/acme/old-a"
  to   = "site/acme/old-b"
}

moved {
  from = site.acme["old-b"]
  to   = site.acme["app"]
}

moved { # ERROR: Moved kind mismatch # ERROR: from and to must be of the same kind
  from = member.acme["x@acme.com"]
  to   = guest.acme["g@agency.com"]
}

moved { # ERROR: Moved kind mismatch
  from = site.acme["gone"]
  to   = group.acme["analysts"]
}

moved { # ERROR: Moved to an undeclared object # ERROR: member/acme/nobody@acme.com
  from = member.acme["y@acme.com"]
  to   = member.acme["nobody@acme.com"]
}

moved { # ERROR: Moved from a declared object # ERROR: member/acme/kept@acme.com
  from = member.acme["kept@acme.com"]
  to   = member.acme["new2@acme.com"]
}

moved { # ERROR: Duplicate moved from
  from = member.acme["old@acme.com"]
  to   = member.acme["kept@acme.com"]
}

moved {
  from = team.alpha
  to   = team.beta
}

moved { # ERROR: Duplicate moved to
  from = team.gamma
  to   = team.beta
}

moved { # ERROR: Moved cycle
  from = group.acme["one"]
  to   = group.acme["two"]
}

moved { # ERROR: Moved cycle
  from = group.acme["two"]
  to   = group.acme["one"]
}

moved {
  from = member.acme["z@acme.com"]
  to   = "grant/acme/app/z@acme.com" # ERROR: Invalid moved address
}

moved {
  from = member.acme["w@acme.com"]
  to   = member.acme # ERROR: Invalid moved address
}

moved { # ERROR: Missing required argument
  from = team.old
}

moved { # ERROR: Moved to itself # ERROR: two different addresses
  from = team.acme
  to   = team.acme
}

# A guest is moved as guest.TEAM["EMAIL"]: to as a member names nobody.
moved { # ERROR: Moved to an undeclared object # ERROR: g@agency.com is declared as a guest of team "acme": write guest.acme["g@agency.com"]
  from = member.acme["h@agency.com"]
  to   = member.acme["g@agency.com"]
}

# language.md's moved example (version 2), as written there, and the
# string form of an address.
team "northwind" {
  platform = "plausible"
}

member "lena@northwind.agency" {
  team = "northwind"
  role = "viewer"
}

moved {
  from = member.northwind["lena@old-agency.com"]   # or guest.…, site.…, team.…, group.…
  to   = member.northwind["lena@northwind.agency"]
}

moved {
  from = "team/southwind"
  to   = team.northwind
}

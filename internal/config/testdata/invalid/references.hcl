# References to teams and sites that are not declared.
team "acme" {
  platform = "plausible"
}

team "other" {
  platform = "plausible"
}

site "mysite.com" {
  team = "acme"
}

site "other.com" {
  team = "other"
}

site "orphan.com" {
  team = "nope" # ERROR: Unknown team # ERROR: "acme" and "other"
}

member "a@acme.com" {
  team = "acmee" # ERROR: Unknown team
  role = "viewer"
}

guest "g@agency.com" {
  team = "acme"
  grant "mysite.com" { role = "viewer" }
  grant "missing.com" { role = "viewer" } # ERROR: Unknown site in grant # ERROR: "mysite.com"
  grant "other.com" { role = "viewer" } # ERROR: has no site "other.com"
}

group "g" {
  team = "ghost" # ERROR: Unknown team
}

# A member of a Plausible team holds no grant: the team role covers every site.
team "acme" {
  platform = "plausible"
}

site "mysite.com" {
  team = "acme"
}

member "a@acme.com" {
  team = "acme"
  role = "viewer"
  grant "mysite.com" { role = "editor" } # ERROR: Grant on a member not allowed # ERROR: the team role covers every site
}

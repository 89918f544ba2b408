# Team members: invisible to the Sites API. A new member, a role change or a
# removal is a manual step in Team Settings → General.
member "mira@northwind.agency" {
  team   = "northwind-plausible"
  role   = "owner"
  reason = "Managing director"
  ticket = "IAM-1"
}

member "oskar@northwind.agency" {
  team   = "northwind-plausible"
  role   = "owner"
  reason = "Technical director"
  ticket = "IAM-2"
}

member "lena@northwind.agency" {
  team   = "northwind-plausible"
  role   = "admin"
  reason = "Account lead; owns the Sites API key"
  ticket = "IAM-7"
}

# Guests: invited through the API. Invitations lapse after two days and are
# sent again by the next apply. Changing an accepted guest's role is a
# manual step, or (with plan --reinvite) a new invitation that cuts their
# access until they accept.
guest "jane@acme-foods.com" {
  team    = "northwind-plausible"
  reason  = "Acme's marketing lead"
  ticket  = "IAM-1234"
  expires = "2027-06-30"

  grant "acme-foods.com" { role = "viewer" }
  grant "staging.acme-foods.com" { role = "editor" }
}

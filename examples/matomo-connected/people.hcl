# Superusers can do everything on every website (team role "superuser");
# everyone else is a "user" whose access comes from per-site grants of
# view, write or admin, plus Tag Manager capabilities.

member "roster-bot@initech.com" {
  team   = "initech-matomo"
  role   = "superuser"
  reason = "The account whose token roster uses"
  ticket = "IT-100"
}

member "peter@initech.com" {
  team   = "initech-matomo"
  role   = "superuser"
  reason = "Analytics lead"
  ticket = "IT-101"
}

member "samir@initech.com" {
  team   = "initech-matomo"
  role   = "user"
  reason = "Marketing analyst"
  ticket = "IT-102"

  grant "Shop" { role = "write" }
  grant "Intranet" { role = "view" }
}

# An agency that edits the shop's tags, but may not publish them: view
# plus Tag Manager's write capability, re-sent with the role whenever it
# changes so that Matomo never drops it.
guest "tagging@agency.example" {
  team    = "initech-matomo"
  reason  = "Tag set-up for the autumn campaign"
  ticket  = "IT-140"
  expires = "2027-03-31"

  grant "Shop" {
    role         = "view"
    capabilities = ["tagmanager_write"]
  }
}

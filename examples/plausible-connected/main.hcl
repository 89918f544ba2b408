# Northwind's Plausible team, connected through the Sites API (an Enterprise
# feature): guests are invited and removed by roster itself; team members
# have no API, so their changes become manual steps with exact instructions
# (roster runbook) that a person confirms (roster confirm).
#
#   export ROSTER_TOKEN_NORTHWIND_PLAUSIBLE=...   # a Sites API key of an owner or admin
#   roster plan

team "northwind-plausible" {
  platform     = "plausible"
  display_name = "Northwind Digital"
  require_2fa  = true

  connection {
    endpoint          = "https://plausible.io"
    account_id        = "5c1d0b8e-9a7f-4e3d-8c2b-1a0f9e8d7c6b" # the team's id; needed when the key sees several teams
    requests_per_hour = 600                                    # the key's hourly budget
  }
}

# A site's remote_id is its domain (the default is the site's name).
site "acme-foods.com" {
  team        = "northwind-plausible"
  environment = "production"
}

site "staging.acme-foods.com" {
  team = "northwind-plausible"
}

policy {
  internal_domains = ["northwind.agency"]
  min_owners       = 2
  external_expiry  = true
  require_ticket   = true
}

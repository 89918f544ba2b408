# Every rule of the policy broken once (TestDiagnosticStandard), with the
# lengths of real emails, sites and capability lists.
policy {
  internal_domains   = ["northwind-analytics.com"]
  min_owners         = 2
  external_expiry    = true
  max_grant_days     = 90
  require_ticket     = true
  external_forbidden = ["manage_members", "api_access", "export_data", "create_shared_links"]
  max_removals       = 3
  directory          = "people.csv"
  sponsor_required   = true
}

team "northwind" {
  platform = "plausible"
}

site "shop.northwind-analytics.com" {
  team = "northwind"
}

member "ann.owner@northwind-analytics.com" {
  team   = "northwind"
  role   = "owner"
  ticket = "ACCESS-1"
}

member "bob.leaver@northwind-analytics.com" {
  team    = "northwind"
  role    = "viewer"
  ticket  = "ACCESS-2"
  expires = "2030-01-01"
}

member "samantha.freelancer@creative-agency.example" {
  team    = "northwind"
  role    = "admin"
  expires = "2026-12-31"
  sponsor = "carl.left@northwind-analytics.com"
}

guest "jane.consultant@external-partner.example" {
  team = "northwind"
  grant "shop.northwind-analytics.com" {
    role = "viewer"
  }
}

guest "kim.contractor@external-partner.example" {
  team    = "northwind"
  expires = "2026-12-31"
  ticket  = "ACCESS-3"
  sponsor = "jane.consultant@external-partner.example"
  grant "shop.northwind-analytics.com" {
    role = "viewer"
  }
}

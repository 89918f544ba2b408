# Every top-level block once, on the built-in platforms and a declared one.
locals {
  owners = ["owner@acme.com", "second@acme.com"]
}

platform "mixpanel" {
  guests          = true
  guest_team_role = ""
  member_grants   = false
  groups          = false
  sso_modes       = []
  two_factor      = false

  team_role "user" { capabilities = [] }
  team_role "superuser" { capabilities = ["*"] }
  site_role "view" { capabilities = ["view_reports", "export_data"] }
  site_role "admin" { capabilities = ["view_reports", "export_data", "edit_settings", "manage_members"] }
}

team "acme" {
  platform     = "plausible"
  display_name = "Acme Corp"
  require_2fa  = true
  sso          = "all_but_owners"
}

team "piwik-acme" {
  platform = "piwikpro"
}

team "acme-mixpanel" {
  platform = "mixpanel"
}

site "mysite.com" {
  team        = "acme"
  environment = "production"
  remote_id   = "mysite.com"
}

site "staging.mysite.com" {
  team        = "acme"
  environment = "staging"
}

site "shop-app" {
  team      = "piwik-acme"
  remote_id = "3f2a"
}

site "intranet" {
  team = "acme-mixpanel"
}

member "owner@acme.com" {
  team   = "acme"
  role   = "owner"
  reason = "Founder"
  ticket = "IAM-1"
}

member "second@acme.com" {
  team    = "acme"
  role    = "owner"
  reason  = "Second owner"
  ticket  = "IAM-2"
  expires = "2027-01-31"
}

member "a@acme.com" {
  team = "piwik-acme"
  role = "user"
  grant "shop-app" { role = "edit" }
}

member "b@acme.com" {
  team = "piwik-acme"
  role = "owner"
}

member "boss@acme.com" {
  team = "acme-mixpanel"
  role = "superuser"
}

guest "jane@agency.com" {
  team    = "acme"
  reason  = "Post-implementation support"
  ticket  = "IAM-1234"
  expires = "2026-06-01"

  grant "mysite.com" { role = "viewer" }
  grant "staging.mysite.com" {
    role    = "editor"
    expires = "2026-03-01"
  }
}

guest "viewer@partner.com" {
  team = "acme-mixpanel"
  grant "intranet" { role = "view" }
}

group "analysts" {
  team      = "piwik-acme"
  members   = ["a@acme.com", "b@acme.com"]
  reason    = "Weekly reporting"
  ticket    = "IAM-77"
  expires   = "2027-06-30"
  remote_id = "Analysts (EU)"
  grant "shop-app" { role = "view" }
}

policy {
  internal_domains   = ["acme.com"]
  min_owners         = 2
  external_expiry    = true
  max_grant_days     = 90
  require_ticket     = false
  external_forbidden = ["manage_members", "api_access"]
  max_removals       = 20
}

# The mixpanel profile of language.md, and a tool with groups and member grants.
platform "mixpanel" {
  guests          = true
  guest_team_role = ""
  member_grants   = false
  groups          = false
  sso_modes       = []
  two_factor      = false

  team_role "superuser" { capabilities = ["*"] }
  team_role "user" { capabilities = [] }
  site_role "view" { capabilities = ["view_reports", "export_data"] }
  site_role "admin" { capabilities = ["view_reports", "export_data", "edit_settings", "manage_members"] }
}

platform "inhouse" {
  guests          = true
  guest_team_role = "reader"
  member_grants   = true
  groups          = true
  sso_modes       = ["off", "enforced"]
  two_factor      = true

  team_role "reader" { capabilities = ["view_reports"] }
  team_role "boss" { capabilities = ["*"] }
  site_role "write" { capabilities = ["view_reports", "edit_dashboards"] }
}

team "m" {
  platform = "mixpanel"
}

team "tool" {
  platform    = "inhouse"
  sso         = "enforced"
  require_2fa = false
}

site "intranet" { team = "m" }
site "dash" { team = "tool" }

member "root@acme.com" {
  team = "m"
  role = "superuser"
}

guest "v@partner.com" {
  team = "m"
  grant "intranet" { role = "admin" }
}

member "r@acme.com" {
  team = "tool"
  role = "reader"
  grant "dash" { role = "write" }
}

group "writers" {
  team    = "tool"
  members = ["r@acme.com"]
  grant "dash" { role = "write" }
}

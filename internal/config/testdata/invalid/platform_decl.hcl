# Declared platforms that break the rules of profiles.
platform "plausible" { # ERROR: Platform name reserved # ERROR: built-in
  team_role "owner" { capabilities = ["*"] }
}

platform "empty" { # ERROR: Platform without roles
  guests = true
}

platform "bad" {
  guests          = "sometimes" # ERROR: Invalid value for guests
  guest_team_role = "visitor" # ERROR: Unknown guest_team_role # ERROR: "user" and "admin"
  sso_modes       = "none" # ERROR: Invalid value for sso_modes # ERROR: list of strings

  team_role "user" { capabilities = ["view_report"] } # ERROR: Unknown capability # ERROR: view_reports, view_cost_data, view_revenue_data, export_data, create_shared_links
  team_role "admin" { capabilities = ["*", "fly"] } # ERROR: Unknown capability # ERROR: "fly"
  team_role "user" { capabilities = [] } # ERROR: Duplicate role
  site_role "user" { capabilities = ["view_reports"] }
  site_role "view" { # ERROR: Missing required argument # ERROR: "capabilities"
  }
  site_role "edit" { capabilities = [] }
  site_role "edit" { capabilities = ["view_reports"] } # ERROR: Duplicate role
  owner_role "x" {} # ERROR: Unsupported block type
}

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

# language.md's example of a declared platform, written before matomo
# became a built-in profile (platforms.md, version 2): its name is taken.
platform "matomo" { # ERROR: Platform name reserved # ERROR: remove this platform block to use the built-in profile
  guests          = true        # guest blocks allowed: people with site roles only
  guest_team_role = ""          # the team role a guest holds on the platform; "" = none
  member_grants   = false       # members may also hold per-site roles
  groups          = false
  sso_modes       = []          # allowed values of team.sso; empty = no sso attribute
  two_factor      = false       # whether team.require_2fa is allowed

  team_role "superuser" { capabilities = ["*"] }
  team_role "user"      { capabilities = [] }
  site_role "view"  { capabilities = ["view_reports", "export_data"] }
  site_role "admin" { capabilities = ["view_reports", "export_data", "edit_settings", "manage_members"] }
}

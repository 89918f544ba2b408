policy {
  internal_domains   = "acme.com" # ERROR: Invalid value for internal_domains # ERROR: list of strings
  min_owners         = -1 # ERROR: Invalid value for min_owners # ERROR: whole number of 0 or more
  max_grant_days     = 1.5 # ERROR: Invalid value for max_grant_days
  max_removals       = "many" # ERROR: Invalid value for max_removals
  external_expiry    = "yes" # ERROR: Invalid value for external_expiry
  require_ticket     = [] # ERROR: Invalid value for require_ticket
  external_forbidden = ["manage_members", "launch_rockets"] # ERROR: Unknown capability # ERROR: "launch_rockets"
  min_admins         = 2 # ERROR: Unsupported argument
  sponsor_required   = "often" # ERROR: Invalid value for sponsor_required
  directory          = "" # ERROR: Invalid directory
  distinct_approver  = "yes" # ERROR: Invalid value for distinct_approver # ERROR: true or false
}

policy { # ERROR: Duplicate policy block # ERROR: at most one
  internal_domains = ["a@acme.com"] # ERROR: Invalid internal_domains
}

team "acme" {
  platform = "plausible"
}

member "x@acme.com" {
  team    = "acme"
  role    = "owner"
  sponsor = "not an email" # ERROR: Invalid sponsor
}

site "app" {
  team = "acme"
}

# sponsor is an attribute of member and guest only (language.md, version 2).
guest "g@agency.com" {
  team    = "acme"
  sponsor = "x@acme.com"
  grant "app" {
    role    = "viewer"
    sponsor = "y@acme.com" # ERROR: Unsupported argument # ERROR: "sponsor"
  }
}

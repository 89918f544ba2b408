# sso and require_2fa where the platform does not allow them.
team "acme" {
  platform = "plausible"
  sso      = "everyone" # ERROR: Invalid sso # ERROR: "none" and "all_but_owners"
}

team "ph" {
  platform    = "posthog"
  sso         = "none" # ERROR: SSO not supported
  require_2fa = true # ERROR: Two-factor enforcement not supported # ERROR: two_factor
}

team "ok" {
  platform    = "plausible"
  sso         = "none"
  require_2fa = "yes" # ERROR: Invalid value for require_2fa # ERROR: true or false
}

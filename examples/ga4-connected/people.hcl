# The service account whose key roster uses must be declared with its
# current role: roster never demotes or removes the credential's own binding.
member "roster@acme-analytics.iam.gserviceaccount.com" {
  team   = "acme-ga4"
  role   = "admin"
  reason = "roster's service account"
  ticket = "SEC-1"
}

member "ann@acme.com" {
  team   = "acme-ga4"
  role   = "admin"
  reason = "Head of analytics"
  ticket = "SEC-2"
}

# An account binding covers every property. Finance sees revenue but not
# the ad cost of campaigns.
member "bob@acme.com" {
  team   = "acme-ga4"
  role   = "viewer_no_cost"
  reason = "Finance reporting"
  ticket = "SEC-3"

  # A property binding can only raise access: editor on the app property.
  grant "acme-app" { role = "editor_no_cost" }
}

# A guest has property bindings only, no account binding.
guest "jane@agency.com" {
  team    = "acme-ga4"
  expires = "2027-06-30"
  reason  = "Agency running the paid campaigns"
  ticket  = "SEC-4"

  grant "acme.com" { role = "analyst_no_revenue" }
}

# Acme's Google Analytics 4 account, connected: roster reads the account's
# and each declared property's access bindings through the Admin API before
# every plan, shows what someone changed by hand in Admin > Account access
# management, and makes the declared changes itself on apply, one request
# per change.
#
# The credential is a Google Cloud service account's JSON key file: create
# the service account, enable the Google Analytics Admin API in its project,
# add its email (…@….iam.gserviceaccount.com) to the GA account as an
# Administrator (only Administrators manage access), and put the whole key
# file in the environment, never in a file roster reads:
#
#   export ROSTER_TOKEN_ACME_GA4="$(cat acme-analytics-key.json)"
#   roster plan
#
# roster asks for the scopes analytics.manage.users and analytics.readonly.
# ROSTER_ENDPOINT_ACME_GA4 overrides the endpoint (a proxy, a test).
#
# What the API cannot show or change is said in the plan and the review:
# access through user groups and Google Marketing Platform organization
# roles, people without a Google account (a manual step), account settings.

team "acme-ga4" {
  platform     = "ga4"
  display_name = "Acme"

  connection {
    endpoint   = "https://analyticsadmin.googleapis.com"
    account_id = "123456789" # Admin > Account settings > Account ID
  }
}

# Properties are matched by their display name; remote_id pins one by its
# property id (Admin > Property settings > Property ID).
site "acme.com" {
  team        = "acme-ga4"
  environment = "production"
}

site "acme-app" {
  team      = "acme-ga4"
  remote_id = "987654321"
}

policy {
  internal_domains = ["acme.com", "acme-analytics.iam.gserviceaccount.com"]
  external_expiry  = true
  require_ticket   = true
}

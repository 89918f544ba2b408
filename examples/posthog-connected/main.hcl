# Lumen's PostHog organization, connected: roster reads who really has
# access through PostHog's API before every plan, shows what someone changed
# by hand in the UI, and makes the declared changes itself on apply.
#
# The credential is a personal API key of an organization OWNER (an admin's
# key cannot touch owners). Its scopes: to plan, user:read,
# organization_member:read, project:read and access_control:read; to apply,
# user:read, organization_member:write, project:read and
# access_control:write (write includes read); organization:read too when
# projects give access through roles (Enterprise). It is read from the
# environment only, never from a file:
#
#   export ROSTER_TOKEN_LUMEN_POSTHOG=phx_...
#   roster plan
#
# ROSTER_ENDPOINT_LUMEN_POSTHOG overrides the endpoint (a proxy, a test).

team "lumen-posthog" {
  platform     = "posthog"
  display_name = "Lumen Apps"

  connection {
    endpoint   = "https://eu.posthog.com"
    account_id = "0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b" # Settings → Organization → ID
  }
}

# Projects are matched by name; remote_id pins one when names are not unique.
site "Production" {
  team        = "lumen-posthog"
  environment = "production"
  remote_id   = "12345"
}

site "Staging" {
  team = "lumen-posthog"
}

policy {
  internal_domains = ["lumen.app"]
  min_owners       = 2
  external_expiry  = true
  require_ticket   = true
}

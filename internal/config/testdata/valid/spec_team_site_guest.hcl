# language.md's team, site and guest examples, as written there.
team "acme" {
  platform     = "plausible"      # required; a built-in or declared platform
  display_name = "Acme Corp"      # optional
  require_2fa  = true             # optional; only where the platform supports 2FA enforcement
  sso          = "all_but_owners" # optional; values come from the platform profile

  connection {                    # optional: read and change access through the
    endpoint   = "https://…"      # platform's API (sync.md); without it the team
    account_id = "…"              # is offline and the state is the only truth
  }
}

site "mysite.com" {
  team        = "acme"        # required: a declared team
  environment = "production"  # optional; "production" marks risk in plans
  remote_id   = "12345"       # optional; the platform's id of the site (sync.md)
}

site "staging.mysite.com" {
  team = "acme"
}

guest "jane@agency.com" {
  team    = "acme"
  reason  = "Post-implementation support"
  ticket  = "IAM-1234"
  expires = "2026-06-01"

  grant "mysite.com"         { role = "viewer" }
  grant "staging.mysite.com" {
    role    = "editor"
    expires = "2026-03-01"   # a grant may carry its own reason, ticket, expires
  }
}

# language.md's member example, as written there, on a platform whose
# profile allows site roles for members (PostHog).
team "acme" {
  platform = "posthog"
}

site "Production" {
  team = "acme"
}

member "alice@acme.com" {
  team    = "acme"
  role    = "admin"        # a team role of the team's platform
  reason  = "Engineering lead"
  ticket  = "IAM-12"
  expires = "2027-01-31"   # optional: a date (YYYY-MM-DD, end of that day UTC) or RFC 3339 time

  # only on platforms whose profile allows site roles for members
  # (PostHog project roles, Piwik PRO per-site permissions):
  grant "Production" { role = "viewer" }
}

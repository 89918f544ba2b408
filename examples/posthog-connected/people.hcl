# The key's owner must be declared with their current role: roster never
# demotes or removes the person whose credential it uses.
member "ada@lumen.app" {
  team   = "lumen-posthog"
  role   = "owner"
  reason = "CTO; owns the API key roster uses"
  ticket = "SEC-1"
}

member "grace@lumen.app" {
  team   = "lumen-posthog"
  role   = "owner"
  reason = "VP Engineering"
  ticket = "SEC-2"
}

# A new engineer: invited by roster, with project access riding on the
# invitation. Until they accept, the state says "invited".
member "ken@lumen.app" {
  team   = "lumen-posthog"
  role   = "member"
  reason = "Product engineering"
  ticket = "SEC-31"

  grant "Staging" { role = "member" }
  grant "Production" { role = "member" } # a connected PostHog team has no project "viewer"
}

# A contractor: a guest, whose organization membership (level member) comes
# and goes with their project grants.
guest "consultant@growth-partners.io" {
  team    = "lumen-posthog"
  reason  = "Onboarding funnel analysis, SOW 2026-14"
  ticket  = "SEC-77"
  expires = "2027-03-31"

  grant "Staging" { role = "member" }
}

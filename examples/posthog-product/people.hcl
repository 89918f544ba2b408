# Owners and admins see every project through their organization role.

member "ada@lumen.app" {
  team   = "lumen"
  role   = "owner"
  reason = "CTO"
  ticket = "SEC-1"
}

member "grace@lumen.app" {
  team   = "lumen"
  role   = "owner"
  reason = "VP Engineering"
  ticket = "SEC-2"
}

member "linus@lumen.app" {
  team   = "lumen"
  role   = "admin"
  reason = "Engineering manager, runs the projects"
  ticket = "SEC-9"
}

# Engineers: organization members with project roles (seed 004's "new
# engineer joins": member on Development and Staging, viewer on Production).
locals {
  engineers = {
    "ken@lumen.app"      = { ticket = "SEC-31", production = "viewer" }
    "barbara@lumen.app"  = { ticket = "SEC-32", production = "member" }
    "margaret@lumen.app" = { ticket = "SEC-40", production = "member" }
  }
}

member "engineers" {
  for_each = local.engineers
  email    = each.key
  team     = "lumen"
  role     = "member"
  reason   = "Product engineering"
  ticket   = each.value.ticket

  grant "Development" { role = "member" }
  grant "Staging" { role = "member" }
  grant "Production" { role = each.value.production }
}

member "ceo@lumen.app" {
  team   = "lumen"
  role   = "member"
  reason = "Executive visibility"
  ticket = "SEC-5"

  grant "Production" { role = "viewer" }
}

# A contractor on one project, until the engagement ends.
guest "consultant@growth-partners.io" {
  team    = "lumen"
  reason  = "Onboarding funnel analysis, SOW 2026-14"
  ticket  = "SEC-77"
  expires = "2027-03-31"

  grant "Staging" { role = "member" }
}

# Northwind, a small digital agency, runs Plausible for its clients. One
# Plausible team holds every client site; agency staff are team members,
# client staff and freelancers are guests on the sites they need, and every
# guest's access ends on a date.
#
# Try it:
#   roster validate
#   roster plan
#   roster apply          # the team is offline: each change is a manual step
#   roster runbook        # the steps to make them in Plausible's UI
#   roster confirm --all  # once done: the access is active, with evidence

team "northwind" {
  platform     = "plausible"
  display_name = "Northwind Digital"
  require_2fa  = true             # Team Settings → Security → enforce 2FA
  sso          = "all_but_owners" # owners keep a password login in case the IdP is down
}

# The guardrails every change is checked against (validate, plan, apply).
policy {
  internal_domains   = ["northwind.agency"] # everyone else is external
  min_owners         = 2                    # seed advice: never a single owner
  external_expiry    = true                 # guests always have an end date
  max_grant_days     = 400                  # and not too far out
  require_ticket     = true                 # every access traces to a request
  external_forbidden = ["manage_members", "api_access"]
  # A plan removing more than this needs --allow-mass-removal. Without it,
  # roster refuses a plan removing more than 10 accesses and more than a
  # quarter of a team's; 0 turns the rail off.
  max_removals = 20

  # The company directory, exported from the identity provider: everyone at
  # Northwind with access must be active there, and every guest names a
  # sponsor who still is. "roster offboard EMAIL" removes a leaver.
  directory        = "people.csv"
  sponsor_required = true
}

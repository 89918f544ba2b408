# language.md's policy examples, version 1 and version 2, in the one policy
# block a configuration may have.
policy {
  internal_domains      = ["acme.com"]  # everyone else is external
  min_owners            = 2             # per team, counting team roles named "owner"
  external_expiry       = true          # external people must have an expiry
  max_grant_days        = 90            # no expiry further than this from now
  require_ticket        = true          # every member, guest and grant carries a ticket
  external_forbidden    = ["manage_members", "api_access"]  # capabilities no external may hold
  max_removals          = 20            # a plan removing more accesses than this is refused

  distinct_approver = true     # apply needs an approver other than the actor (cli.md, Evidence v2)
  directory         = "people.csv"   # the company's people, exported from the identity provider
  sponsor_required  = true     # every external person names an internal sponsor in the directory
}

team "acme" {
  platform = "plausible"
}

site "mysite.com" {
  team = "acme"
}

member "alice@acme.com" {
  team   = "acme"
  role   = "owner"
  ticket = "IAM-1"
}

member "bob@acme.com" {
  team   = "acme"
  role   = "owner"
  ticket = "IAM-2"
}

guest "jane@agency.com" {
  team    = "acme"
  ticket  = "IAM-3"
  expires = "2026-06-01"
  sponsor = "alice@acme.com"
  grant "mysite.com" { role = "viewer" }
}

# Owners see everything and are not listed in permission lists; the key's
# owner must be declared with their current role.
member "hank@globex.com" {
  team   = "globex-piwik"
  role   = "owner"
  reason = "Head of digital; owns the API key"
  ticket = "GLX-1"
}

member "marge@globex.com" {
  team   = "globex-piwik"
  role   = "owner"
  reason = "Analytics platform owner"
  ticket = "GLX-2"
}

member "lisa@globex.com" {
  team   = "globex-piwik"
  role   = "user"
  reason = "Tag management for the shop"
  ticket = "GLX-20"

  grant "globex-shop" { role = "edit_publish" } # Piwik PRO's "Edit & publish"
}

member "bart@globex.com" {
  team   = "globex-piwik"
  role   = "user"
  reason = "Analyst"
  ticket = "GLX-21"
}

# Group permissions are compared on the group; what a member gets through a
# group is not drift on the member.
group "analysts" {
  team      = "globex-piwik"
  members   = ["bart@globex.com"]
  reason    = "Reporting team"
  ticket    = "GLX-30"
  remote_id = "2b9c4d1e-5f60-4a7b-8c9d-0e1f2a3b4c5d" # the group's id: its name in Piwik PRO is "Analysts (EU)"

  grant "globex-shop" { role = "view" }
  grant "globex-ios" { role = "view" }
}

# An agency: a guest, whose Piwik PRO user comes and goes with its grants.
guest "dev@mobile-agency.co" {
  team    = "globex-piwik"
  reason  = "iOS tracking implementation"
  ticket  = "GLX-88"
  expires = "2027-02-15"

  grant "globex-ios" { role = "edit" }
}

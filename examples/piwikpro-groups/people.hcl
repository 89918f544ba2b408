member "hank@globex.com" {
  team   = "globex"
  role   = "owner"
  reason = "Head of digital"
  ticket = "GLX-1"
}

member "marge@globex.com" {
  team   = "globex"
  role   = "owner"
  reason = "Analytics platform owner"
  ticket = "GLX-2"
}

# Users: no access until granted (seed 002).
member "lisa@globex.com" {
  team   = "globex"
  role   = "user"
  reason = "Tag management for the shop"
  ticket = "GLX-20"

  grant "globex-shop" { role = "edit_publish" }
  grant "globex-shop-staging" { role = "manage" }
}

member "bart@globex.com" {
  team   = "globex"
  role   = "user"
  reason = "Analyst"
  ticket = "GLX-21"
}

member "milhouse@globex.com" {
  team   = "globex"
  role   = "user"
  reason = "Analyst"
  ticket = "GLX-22"
}

# The analysts see every production app through their group.
group "analysts" {
  team    = "globex"
  members = ["bart@globex.com", "milhouse@globex.com"]
  reason  = "Reporting team"
  ticket  = "GLX-30"

  grant "globex-shop" { role = "view" }
  grant "globex-ios" { role = "view" }
}

# An agency implementing the iOS app's tracking.
guest "dev@mobile-agency.co" {
  team    = "globex"
  reason  = "iOS tracking implementation"
  ticket  = "GLX-88"
  expires = "2027-02-15"

  grant "globex-ios" { role = "edit" }
}

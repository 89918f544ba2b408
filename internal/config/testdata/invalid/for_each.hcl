locals {
  list = ["a@acme.com"]
}

team "acme" {
  platform = "posthog"
}

member "from-list" {
  for_each = local.list # ERROR: Invalid for_each # ERROR: toset
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "from-string" {
  for_each = "a@acme.com" # ERROR: Invalid for_each # ERROR: a string
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "from-number" {
  for_each = 3 # ERROR: Invalid for_each
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "from-numbers" {
  for_each = toset([1, 2]) # ERROR: Invalid for_each # ERROR: set of number
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "from-null" {
  for_each = null # ERROR: Invalid for_each # ERROR: null
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "no-email" { # ERROR: Missing email # ERROR: only names the repetition
  for_each = toset(local.list)
  team     = "acme"
  role     = "member"
}

member "b@acme.com" {
  email = "b@acme.com" # ERROR: Email not allowed without for_each # ERROR: only allowed with for_each
  team  = "acme"
  role  = "member"
}

site "app" {
  name = "app" # ERROR: Name not allowed without for_each
  team = "acme"
}

site "sites" { # ERROR: Missing name
  for_each = toset(["x", "y"])
  team     = "acme"
}

site "bad-each" {
  for_each = toset(["x"])
  name     = each.value
  team     = each.nope # ERROR: Unsupported attribute
}

member "c@acme.com" {
  team = "acme"
  role = each.key # ERROR: Unknown variable
}

member "from-null-element" {
  for_each = toset(["a@acme.com", null]) # ERROR: Invalid
  email    = each.key
  team     = "acme"
  role     = "member"
}

member "counted@acme.com" {
  count = 2 # ERROR: Unsupported argument # ERROR: with for_each (a set of strings or a map), not count
  team  = "acme"
  role  = "member"
}

# Four unrelated errors in four blocks: each is reported, in one run
# (TestAllAtOnce).
team "acme" {
  platform = "plausible"
  colour   = "red" # ERROR: Unsupported argument
}

site "a.example" {
  team = "acme"
}

member "a@acme.com" {
  team    = "acme"
  role    = "owner"
  expires = "2026-13-01" # ERROR: Invalid date in expires
}

guest "g@agency.com" {
  team = "acme"
  grant "b.example" { # ERROR: b.example
    role = "viewer"
  }
}

policy {
  internal_domains = ["acme.com"]
  min_owners       = "two" # ERROR: Invalid value for min_owners
}

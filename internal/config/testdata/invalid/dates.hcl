team "acme" {
  platform = "plausible"
}

site "a.example" {
  team = "acme"
}

member "a@acme.com" {
  team    = "acme"
  role    = "viewer"
  expires = "2026-13-01" # ERROR: Invalid date in expires # ERROR: month out of range
}

member "b@acme.com" {
  team    = "acme"
  role    = "viewer"
  expires = "next week" # ERROR: Invalid date in expires # ERROR: YYYY-MM-DD
}

member "c@acme.com" {
  team    = "acme"
  role    = "viewer"
  expires = "2026-02-30" # ERROR: Invalid date in expires
}

guest "g@agency.com" {
  team    = "acme"
  expires = "2026-06-01"
  grant "a.example" {
    role    = "viewer"
    expires = "2026-06-02" # ERROR: Grant expires after its holder # ERROR: "2026-06-01"
  }
}

guest "h@agency.com" {
  team    = "acme"
  expires = "2026-06-01T10:00:00Z"
  grant "a.example" {
    role    = "viewer"
    expires = "2026-06-01" # ERROR: Grant expires after its holder
  }
}

guest "i@agency.com" {
  team    = "acme"
  expires = "2026-06-01 10:00" # ERROR: Invalid date in expires
  grant "a.example" {
    role    = "viewer"
    expires = "2026/06/01" # ERROR: Invalid date in expires
  }
}

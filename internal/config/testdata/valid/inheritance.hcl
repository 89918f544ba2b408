# Grants inherit their holder's reason, ticket and expires unless they set their own.
team "acme" {
  platform = "plausible"
}

site "a.example" { team = "acme" }
site "b.example" { team = "acme" }
site "c.example" { team = "acme" }

guest "jane@agency.com" {
  team    = "acme"
  reason  = "Support contract"
  ticket  = "IAM-100"
  expires = "2026-06-01"

  grant "a.example" { role = "viewer" }
  grant "b.example" {
    role    = "editor"
    reason  = "Goal set-up"
    ticket  = "IAM-101"
    expires = "2026-03-01T12:00:00+02:00"
  }
  grant "c.example" {
    role    = "viewer"
    expires = "2026-06-01"
  }
}

guest "open@agency.com" {
  team = "acme"
  grant "a.example" {
    role    = "viewer"
    expires = "2030-01-01T00:00:00Z"
  }
}

member "temp@acme.com" {
  team    = "acme"
  role    = "viewer"
  expires = "2026-09-30T18:30:00-04:00"
}

team "hq" {
  platform = "posthog"
}

site "Production" {
  team = "hq"
}

site "Staging" {
  team = "hq"
}

member "ada@hq.io" {
  team = "hq"
  role = "owner"
}

guest "jo@partner.io" {
  team    = "hq"
  expires = "2027-01-31"

  grant "Staging" {
    role = "member"
  }
}

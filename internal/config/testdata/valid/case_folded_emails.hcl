# Emails are stored lower-cased wherever they are written.
team "pw" {
  platform = "piwikpro"
}

site "app" { team = "pw" }

member "Alice@Acme.COM" {
  team = "pw"
  role = "user"
}

member "upper" {
  for_each = toset(["BOB@acme.com"])
  email    = each.key
  team     = "pw"
  role     = "owner"
}

guest "Jane@Agency.com" {
  team = "pw"
  grant "app" { role = "view" }
}

group "mixed" {
  team    = "pw"
  members = ["bob@ACME.com", "alice@acme.com", "ALICE@acme.com"]
  grant "app" { role = "edit" }
}

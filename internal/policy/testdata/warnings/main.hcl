# The policy's advice: every warning once (TestDiagnosticStandard).
policy {
  internal_domains = ["northwind-analytics.com"]
  directory        = "people.csv"
}

team "northwind" {
  platform = "plausible"
}

site "shop.northwind-analytics.com" {
  team = "northwind"
}

member "ann.owner@northwind-analytics.com" {
  team = "northwind"
  role = "owner"
}

guest "jane.consultant@external-partner.example" {
  team    = "northwind"
  sponsor = "carl.left@northwind-analytics.com"
  grant "shop.northwind-analytics.com" {
    role = "viewer"
  }
}

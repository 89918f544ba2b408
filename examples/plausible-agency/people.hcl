# Agency staff: team members. Their team role covers every site.

member "mira@northwind.agency" {
  team   = "northwind"
  role   = "owner"
  reason = "Managing director"
  ticket = "IAM-1"
}

member "oskar@northwind.agency" {
  team   = "northwind"
  role   = "owner"
  reason = "Technical director; second owner"
  ticket = "IAM-2"
}

member "lena@northwind.agency" {
  team   = "northwind"
  role   = "admin"
  reason = "Account lead: invites client staff"
  ticket = "IAM-7"
}

locals {
  analysts = ["tom@northwind.agency", "Priya@Northwind.agency"]
}

member "analysts" {
  for_each = toset(local.analysts)
  email    = each.key # emails are compared lower-cased
  team     = "northwind"
  role     = "viewer"
  reason   = "Monthly client reports"
  ticket   = "IAM-12"
}

member "finance@northwind.agency" {
  team   = "northwind"
  role   = "billing"
  reason = "Pays the subscription; sees no analytics"
  ticket = "IAM-3"
}

# Client staff and freelancers: guests, on named sites only, until a date.

guest "jane@acme-foods.com" {
  team    = "northwind"
  sponsor = "lena@northwind.agency" # answers for this access inside Northwind
  reason  = "Acme's marketing lead reads her own numbers"
  ticket  = "IAM-1234"
  expires = "2027-06-30"

  grant "acme-foods.com" { role = "viewer" }
  grant "staging.acme-foods.com" {
    role    = "editor"
    expires = "2027-01-31" # goals are set up by then
    ticket  = "IAM-1240"
  }
}

guest "erik@fjordbikes.no" {
  team    = "northwind"
  sponsor = "lena@northwind.agency"
  reason  = "Client contact at Fjord Bikes"
  ticket  = "IAM-1302"
  expires = "2027-09-30"

  dynamic "grant" {
    for_each = ["fjordbikes.no", "blog.fjordbikes.no"]
    labels   = [grant.value]
    content { role = "viewer" }
  }
}

guest "sam@freelance.dev" {
  team    = "northwind"
  sponsor = "oskar@northwind.agency"
  reason  = "Implements the tracking of the new shop"
  ticket  = "IAM-1311"
  expires = "2027-02-28"

  grant "staging.acme-foods.com" { role = "editor" }
}

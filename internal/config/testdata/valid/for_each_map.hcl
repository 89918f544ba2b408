# for_each over maps of objects: each.value.role, in nested and dynamic grants too.
locals {
  people = {
    alice = { email = "alice@acme.com", role = "admin", sites = ["app"] }
    bob   = { email = "bob@acme.com", role = "member", sites = ["app", "web"] }
  }
  guests = {
    "carol@agency.com" = { ticket = "IAM-5", role = "member" }
  }
  sites = {
    app = { remote_id = "101", env = "production" }
    web = { remote_id = "102", env = "staging" }
  }
}

team "ph" {
  platform = "posthog"
}

site "projects" {
  for_each    = local.sites
  name        = each.key
  team        = "ph"
  remote_id   = each.value.remote_id
  environment = each.value.env
}

member "people" {
  for_each = local.people
  email    = each.value.email
  team     = "ph"
  role     = each.value.role
  reason   = "Person ${each.key}"

  dynamic "grant" {
    for_each = toset(each.value.sites)
    labels   = [grant.key]
    content {
      role = each.value.role == "admin" ? "admin" : "member"
    }
  }
}

guest "guests" {
  for_each = local.guests
  email    = each.key
  team     = "ph"
  ticket   = each.value.ticket
  grant "web" { role = each.value.role }
}

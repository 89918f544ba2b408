# Lumen, a product company, runs one PostHog organization with a project per
# environment. People join the organization (a team role) and get a role per
# project; contractors only reach the projects they work on.

team "lumen" {
  platform     = "posthog"
  display_name = "Lumen Apps"
}

site "Production" {
  team        = "lumen"
  environment = "production"
}

site "Staging" {
  team        = "lumen"
  environment = "staging"
}

site "Development" {
  team        = "lumen"
  environment = "development"
}

policy {
  internal_domains   = ["lumen.app"]
  min_owners         = 2
  external_expiry    = true
  require_ticket     = true
  external_forbidden = ["manage_members", "edit_settings"]
}

# Matomo: one instance (self-hosted, or a Matomo Cloud account) holds many
# websites. Every user belongs to the whole instance; a superuser can do
# everything, any other user has access only through per-site grants of one
# role (view, write or admin) plus explicit plugin capabilities.
#
# Sources: docs/apis/matomo.md ("Capability matrix proposal", the
# contract for this profile per platforms.md version 2), which cites
# matomo-org/matomo core/Access/Role/{View,Write,Admin}.php, the
# UsersManager language file and matomo-org/tag-manager's capabilities.
# A cell the proposal marks "?" is not held (the safe reading).
# view_cost_data and view_revenue_data are held by every role that holds
# view_reports (platforms.md version 2).
platform "matomo" {
  guests          = true   # a user with grants on named sites only
  guest_team_role = "user" # every Matomo account is instance-wide
  member_grants   = true   # users hold per-site roles
  groups          = false  # no groups in core Matomo (LoginLdap maps groups outside this API)
  sso_modes       = []     # SAML/LDAP are plugins with no access API
  two_factor      = true   # the TwoFactorAuth setting twoFactorAuthRequired (a manual step)

  # matomo.md: "user (no team-wide access; access only through grants)".
  team_role "user" {
    capabilities = []
  }

  # matomo.md: superuser_access = 1 gives everything, creating and
  # deleting websites included (only superusers may).
  team_role "superuser" {
    capabilities = ["*"]
  }

  # "can view all reports" (UsersManager PrivViewDescription); every user
  # may export through the API with their own token.
  site_role "view" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data"]
  }

  # "create, manage and delete entities such as Goals, Funnels, Heatmaps,
  # Session Recordings and Forms" (faq_26910); tagmanager_write is included
  # in write (tag-manager TagManagerWrite).
  site_role "write" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "manage_goals", "manage_tags"]
  }

  # write's, and the site's settings (SitesManager.updateSite), "give other
  # users access to the website", publishing live containers
  # (tagmanager_publish_live_container is included in admin) and making
  # the site public (anonymous view). edit_dashboards and
  # manage_integrations are marked "?" in the proposal: not held.
  site_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "manage_goals", "manage_tags", "edit_settings", "manage_members", "publish_tags", "create_shared_links"]
  }

  # Tag Manager's explicit capabilities (tag-manager
  # Access/Capability/*.php): a grant adds them with
  # capabilities = ["tagmanager_write"]. A role that includes one stores
  # no row for it, so such a grant cannot declare it.
  grant_capability "tagmanager_write" {
    capabilities = ["manage_tags"]
    included_in  = ["write", "admin"]
  }

  grant_capability "tagmanager_publish_live_container" {
    capabilities = ["publish_tags"]
    included_in  = ["admin"]
  }

  grant_capability "tagmanager_use_custom_templates" {
    capabilities = ["manage_tags"]
    included_in  = ["admin"]
  }
}

# Plausible Analytics: one team holds many sites. Team members hold a
# team-wide role that covers every site; guests hold a role on named sites.
#
# Sources (../shared/seeds): seed 001 is Plausible's own team model (owner,
# admin, billing, editor, viewer, guest; 2FA and SSO policies); seed 000
# describes per-site sharing and the Stats API key. Roles are listed from the
# least to the most privileged. Where a seed's table lost its check marks the
# prose around it decides, and where the prose is silent the least privilege
# was chosen.
# platforms.md (version 2): view_cost_data and view_revenue_data join the
# shared vocabulary, held by every role that holds view_reports, so that
# "roster who-can view_revenue_data" answers across platforms.
platform "plausible" {
  guests          = true  # seed 001 "Guest Memberships": access to specific sites only
  guest_team_role = ""    # seed 001: guests have "no access to team-wide settings"
  member_grants   = false # a team role covers every site; members take no per-site role
  groups          = false # neither seed mentions groups
  sso_modes       = ["none", "all_but_owners"] # seed 001 "SSO Enforcement Modes"
  two_factor      = true                       # seed 001 "Enforce 2FA for all team members"

  # seed 001 "Billing": "View and manage billing information ... No access to
  # analytics data by default". Nothing else is granted.
  team_role "billing" {
    capabilities = ["manage_billing"]
  }

  # seed 001 "Viewer": "View analytics dashboards, Export data, Cannot modify
  # any settings"; "Guest Viewers can ... Create shared links ... All viewer
  # capabilities", so a viewer creates shared links too. Seed 000: viewers
  # "Cannot access Stats API (no API key)".
  team_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links"]
  }

  # seed 001 "Editor": "Edit site settings, Manage goals and funnels,
  # Configure email reports, View analytics". Email reports and integrations
  # are one setting area (seed 000 "Configure integrations (Slack, webhooks,
  # email reports)"). No team management, no API key: seed 000 says only
  # administrators can view the Stats API key.
  team_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # seed 001 "Admin": "Invite and remove team members (except owners),
  # Manage site settings, Full access to all sites, Cannot modify billing".
  # Seed 000 "API Access Control": "Only Administrators can generate and view
  # the API key". Admins may add sites to the team (manage sites). Deleting a
  # site stays with the owner (seed 000: "Only the billing owner can delete
  # the site permanently").
  team_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations", "manage_members", "api_access", "create_sites"]
  }

  # seed 001 "Owner": "Manage billing and subscription, Invite and remove
  # team members, Transfer site ownership, Delete the team, Full access to
  # all sites" — everything.
  team_role "owner" {
    capabilities = ["*"]
  }

  # seed 001 "Guest Viewers can: View analytics for assigned sites, Create
  # shared links, Export data, All viewer capabilities". No API key (seed 000).
  site_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links"]
  }

  # seed 001, guest editors (the list after the viewer's, which lost its
  # heading in extraction): "Configure site settings, Manage goals and custom
  # events, Set up email reports" on top of a viewer's. The API key stays
  # with administrators (seed 000), so no api_access.
  site_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations"]
  }
}

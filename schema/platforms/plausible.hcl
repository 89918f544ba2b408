# Plausible Analytics: one team holds many sites. Team members hold a
# team-wide role that covers every site; guests hold a role on named sites.
#
# Sources, by title: Plausible's "Team Roles" page is Plausible's own team
# model (owner, admin, billing, editor, viewer, guest; 2FA and SSO policies);
# "Plausible User Management" (OpsBlu Docs) describes per-site sharing and
# the Stats API key. Roles are listed from the least to the most privileged.
# Where a page's table lost its check marks the prose around it decides, and
# where the prose is silent the least privilege was chosen.
# platforms.md (version 2): view_cost_data and view_revenue_data join the
# shared vocabulary, held by every role that holds view_reports, so that
# "roster who-can view_revenue_data" answers across platforms.
platform "plausible" {
  guests          = true  # Plausible's Team Roles page "Guest Memberships": access to specific sites only
  guest_team_role = ""    # Plausible's Team Roles page: guests have "no access to team-wide settings"
  member_grants   = false # a team role covers every site; members take no per-site role
  groups          = false # neither page mentions groups
  sso_modes       = ["none", "all_but_owners"] # Plausible's Team Roles page "SSO Enforcement Modes"
  two_factor      = true                       # Plausible's Team Roles page "Enforce 2FA for all team members"

  # Plausible's Team Roles page "Billing": "View and manage billing information ... No access to
  # analytics data by default". Nothing else is granted.
  team_role "billing" {
    capabilities = ["manage_billing"]
  }

  # Plausible's Team Roles page "Viewer": "View analytics dashboards, Export data, Cannot modify
  # any settings"; "Guest Viewers can ... Create shared links ... All viewer
  # capabilities", so a viewer creates shared links too. Plausible User Management (OpsBlu Docs): viewers
  # "Cannot access Stats API (no API key)".
  team_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links"]
  }

  # Plausible's Team Roles page "Editor": "Edit site settings, Manage goals and funnels,
  # Configure email reports, View analytics". Email reports and integrations
  # are one setting area (Plausible User Management (OpsBlu Docs) "Configure integrations (Slack, webhooks,
  # email reports)"). No team management, no API key: Plausible User Management (OpsBlu Docs) says only
  # administrators can view the Stats API key.
  team_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # Plausible's Team Roles page "Admin": "Invite and remove team members (except owners),
  # Manage site settings, Full access to all sites, Cannot modify billing".
  # Plausible User Management (OpsBlu Docs) "API Access Control": "Only Administrators can generate and view
  # the API key". Admins may add sites to the team (manage sites). Deleting a
  # site stays with the owner (Plausible User Management (OpsBlu Docs): "Only the billing owner can delete
  # the site permanently").
  team_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations", "manage_members", "api_access", "create_sites"]
  }

  # Plausible's Team Roles page "Owner": "Manage billing and subscription, Invite and remove
  # team members, Transfer site ownership, Delete the team, Full access to
  # all sites" — everything.
  team_role "owner" {
    capabilities = ["*"]
  }

  # Plausible's Team Roles page "Guest Viewers can: View analytics for assigned sites, Create
  # shared links, Export data, All viewer capabilities". No API key (Plausible User Management (OpsBlu Docs)).
  site_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links"]
  }

  # Plausible's Team Roles page, guest editors (the list after the viewer's, which lost its
  # heading in extraction): "Configure site settings, Manage goals and custom
  # events, Set up email reports" on top of a viewer's. The API key stays
  # with administrators (Plausible User Management (OpsBlu Docs)), so no api_access.
  site_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_settings", "manage_goals", "manage_integrations"]
  }
}

# PostHog: an organization holds projects. People have an organization role
# (member, admin, owner) and, per project, a project role.
#
# Source, by title: the "PostHog User Management" guide, sections
# "Organization Roles" and "Project Roles".
# Roles are listed from the least to the most privileged. Personal API keys
# belong to the person and inherit their permissions (PostHog User Management "API Access &
# Service Accounts"), so no role carries api_access: nothing is rotated when
# someone leaves, the key goes with them.
# platforms.md (version 2): view_cost_data and view_revenue_data join the
# shared vocabulary, held by every role that holds view_reports, so that
# "roster who-can view_revenue_data" answers across platforms.
platform "posthog" {
  guests          = true     # people with project roles only
  guest_team_role = "member" # PostHog User Management: "Users invited to organization, then granted access to specific projects"
  member_grants   = true     # PostHog User Management: "Users can have different roles across different projects"
  groups          = false    # PostHog User Management describes no groups
  sso_modes       = []       # SSO is arranged with PostHog support, not a team setting
  two_factor      = false    # PostHog User Management describes no 2FA enforcement

  # PostHog User Management "Member: Access granted projects, No organization-level
  # permissions, Project permissions determined by project role".
  team_role "member" {
    capabilities = []
  }

  # PostHog User Management "Admin: Create and configure projects, Invite users to
  # organization, Manage organization settings, Cannot manage billing, Cannot
  # delete organization". Org admins are admins of every project.
  team_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_dashboards", "edit_settings", "manage_integrations", "manage_members", "create_sites"]
  }

  # PostHog User Management "Owner: Full control over organization, Manage billing and
  # subscription, Create and delete projects, Invite and remove users, Delete
  # organization".
  team_role "owner" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_dashboards", "edit_settings", "manage_integrations", "manage_members", "create_sites", "manage_billing", "delete_site", "delete_team"]
  }

  # PostHog User Management "Viewer (read-only): View dashboards and insights, Watch session
  # recordings, Cannot create or modify content". Exporting is not listed, so
  # the least privilege leaves it out.
  site_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data"]
  }

  # PostHog User Management "Member: Create insights, dashboards, and cohorts ... Cannot
  # modify project settings, Cannot invite users". Sharing insights is part of
  # creating them ("Insight sharing").
  site_role "member" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_dashboards"]
  }

  # PostHog User Management "Admin: Full project access, Configure project settings, Manage
  # feature flags and experiments, Create and delete dashboards, Invite users
  # to project".
  site_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "create_shared_links", "edit_dashboards", "edit_settings", "manage_integrations", "manage_members"]
  }
}

# Piwik PRO: one account holds many sites and apps. Users have an account
# level (owner or user) and, per site or app, a permission; groups carry
# permissions for their members.
#
# Sources, Piwik PRO's help center pages by title: "Permissions for a site
# or app" (account levels, the five permission types, the per-module tables, which
# lost their check marks in extraction, so the prose above them decides);
# and the page on inviting and removing users ("Invite a user", "Remove a
# user"). Roles are listed from the least
# to the most privileged; where the prose is silent the least privilege was
# chosen.
# platforms.md (version 2): view_cost_data and view_revenue_data join the
# shared vocabulary, held by every role that holds view_reports, so that
# "roster who-can view_revenue_data" answers across platforms.
platform "piwikpro" {
  guests          = true   # a user with permissions on named apps only
  guest_team_role = "user" # Piwik PRO's Permissions for a site or app: every person in the account is an owner or a user
  member_grants   = true   # users hold per-site permissions (Piwik PRO's Permissions for a site or app "Types of permissions")
  groups          = true   # Piwik PRO's Permissions for a site or app: "You can also create groups and assign permissions to them"
  sso_modes       = []     # neither page describes SSO enforcement
  two_factor      = false  # neither page describes 2FA enforcement

  # Piwik PRO's Permissions for a site or app "Account levels": "User can only perform certain actions
  # depending on the type of permissions they have ... By default, a new user
  # has no access to anything."
  team_role "user" {
    capabilities = []
  }

  # Piwik PRO's Permissions for a site or app: "Owner is the primary contact for the account and can perform
  # all actions on the account, including adding a site/app, inviting others
  # to join, assigning user/owner levels and granting permissions"; "A user
  # with the role of owner has access to everything". platforms.md fixes the
  # list: no billing, API keys are personal (no api_access), no shared links
  # or team deletion are described.
  team_role "owner" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_tags", "publish_tags", "manage_members", "create_sites", "delete_site"]
  }

  # Piwik PRO's Permissions for a site or app "No access: The user can't see any of the above." Listed so a
  # live no-access row can be read; never granted (remove the grant instead).
  site_role "no_access" {
    capabilities = []
  }

  # Piwik PRO's Permissions for a site or app "View: The user can see a site/app as well as tags, triggers and
  # variables"; Piwik PRO's Invite a user / Remove a user meta-site view "can see dashboards ... and export a
  # report". The module tables lost their marks; exporting is read as part
  # of viewing, nothing more.
  site_role "view" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data"]
  }

  # Piwik PRO's Permissions for a site or app "Edit: The user can edit a site/app and edit tags, triggers and
  # variables. But they can't publish changes, manage permissions or use
  # Consent Manager." Editing a site covers its settings, goals and
  # dashboards (Piwik PRO's Invite a user / Remove a user meta-site edit: "see and edit dashboards").
  site_role "edit" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_tags"]
  }

  # Piwik PRO's Permissions for a site or app "Edit & publish: ... the same actions as those with permission
  # to Manage, except manage permissions": edit, plus publishing tags.
  site_role "edit_publish" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_tags", "publish_tags"]
  }

  # Piwik PRO's Permissions for a site or app "Manage: ... edit and publish tags, triggers and variables;
  # manage permissions and use Consent Manager. But they can't add a site/app
  # or new user."
  site_role "manage" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_tags", "publish_tags", "manage_members"]
  }
}

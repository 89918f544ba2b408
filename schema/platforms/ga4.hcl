# Google Analytics 4: an account holds properties. A person's access is an
# access binding: on the account (a member: it covers every property of the
# account) or on one property (a grant). Someone with property bindings only
# is a guest, and needs no account-level membership.
#
# Source: docs/apis/ga4.md ("Mapping to roster" and "Capability matrix
# proposal"), the contract for this profile (platforms.md, version 2). Each
# binding carries one base role (predefinedRoles/viewer, analyst, editor,
# admin) and optionally the data restrictions predefinedRoles/no-cost-data
# and no-revenue-data; each restricted variant is its own role here, just
# below its base role, without view_cost_data and/or view_revenue_data. The
# same names serve as team roles (account bindings) and site roles
# (property bindings).
#
# Not held, by the safe reading of platforms.md: every cell the matrix marks
# `?` (editor: manage_tags, create_sites, delete_site; admin: transfer_site,
# delete_team). The Marketer role has no predefinedRoles/ value the API
# documents, so it is not offered. No role has api_access (credentials are
# personal Google accounts), manage_billing (GA360 billing lives in the
# Google Marketing Platform organization), publish_tags (Tag Manager is a
# separate product) or create_shared_links (GA4 has no public report links).
platform "ga4" {
  guests          = true  # ga4.md: a person with property-level bindings only
  guest_team_role = ""    # GA needs no account-level membership for a property binding
  member_grants   = true  # a property binding can raise a member's access on that property
  groups          = false # user groups belong to GMP organizations; a binding's target is only `user`
  sso_modes       = []    # SSO belongs to Google Workspace / Cloud Identity, not GA
  two_factor      = false # 2-step verification is per Google account, not enforceable per GA account
  # viewer, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  team_role "viewer_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data"]
  }

  # viewer, without view_cost_data (predefinedRoles/no-cost-data).
  team_role "viewer_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data"]
  }

  # viewer, without view_revenue_data (predefinedRoles/no-revenue-data).
  team_role "viewer_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data"]
  }

  # ga4.md matrix, viewer: view_reports, view_cost_data, view_revenue_data,
  # export_data ("viewers can download reports in the UI", an inference the
  # note marks unsure but lists as held).
  team_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data"]
  }

  # analyst, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  team_role "analyst_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards"]
  }

  # analyst, without view_cost_data (predefinedRoles/no-cost-data).
  team_role "analyst_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards"]
  }

  # analyst, without view_revenue_data (predefinedRoles/no-revenue-data).
  team_role "analyst_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards"]
  }

  # ga4.md matrix, analyst: the viewer's, and edit_dashboards [H-ROLES]
  # "Can create, edit, and delete certain property assets. Can collaborate on
  # shared assets. Includes permissions of the Viewer role."
  team_role "analyst" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards"]
  }

  # editor, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  team_role "editor_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # editor, without view_cost_data (predefinedRoles/no-cost-data).
  team_role "editor_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # editor, without view_revenue_data (predefinedRoles/no-revenue-data).
  team_role "editor_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # ga4.md matrix, editor: the analyst's, and manage_goals, edit_settings,
  # manage_integrations [H-ROLES] "Full control of settings at the property
  # level. Cannot manage users." The matrix's `?` cells (manage_tags,
  # create_sites, delete_site) are not held.
  team_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # admin, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  team_role "admin_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # admin, without view_cost_data (predefinedRoles/no-cost-data).
  team_role "admin_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # admin, without view_revenue_data (predefinedRoles/no-revenue-data).
  team_role "admin_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # ga4.md matrix, admin: the editor's, and manage_members [H-ROLES] "Full
  # control of Analytics. Can manage users". The matrix's `?` cells
  # (transfer_site, delete_team) are not held.
  team_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # viewer, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  site_role "viewer_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data"]
  }

  # viewer, without view_cost_data (predefinedRoles/no-cost-data).
  site_role "viewer_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data"]
  }

  # viewer, without view_revenue_data (predefinedRoles/no-revenue-data).
  site_role "viewer_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data"]
  }

  # ga4.md matrix, viewer: view_reports, view_cost_data, view_revenue_data,
  # export_data ("viewers can download reports in the UI", an inference the
  # note marks unsure but lists as held).
  site_role "viewer" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data"]
  }

  # analyst, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  site_role "analyst_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards"]
  }

  # analyst, without view_cost_data (predefinedRoles/no-cost-data).
  site_role "analyst_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards"]
  }

  # analyst, without view_revenue_data (predefinedRoles/no-revenue-data).
  site_role "analyst_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards"]
  }

  # ga4.md matrix, analyst: the viewer's, and edit_dashboards [H-ROLES]
  # "Can create, edit, and delete certain property assets. Can collaborate on
  # shared assets. Includes permissions of the Viewer role."
  site_role "analyst" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards"]
  }

  # editor, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  site_role "editor_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # editor, without view_cost_data (predefinedRoles/no-cost-data).
  site_role "editor_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # editor, without view_revenue_data (predefinedRoles/no-revenue-data).
  site_role "editor_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # ga4.md matrix, editor: the analyst's, and manage_goals, edit_settings,
  # manage_integrations [H-ROLES] "Full control of settings at the property
  # level. Cannot manage users." The matrix's `?` cells (manage_tags,
  # create_sites, delete_site) are not held.
  site_role "editor" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations"]
  }

  # admin, without view_cost_data and view_revenue_data (predefinedRoles/no-cost-data and no-revenue-data).
  site_role "admin_no_cost_no_revenue" {
    capabilities = ["view_reports", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # admin, without view_cost_data (predefinedRoles/no-cost-data).
  site_role "admin_no_cost" {
    capabilities = ["view_reports", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # admin, without view_revenue_data (predefinedRoles/no-revenue-data).
  site_role "admin_no_revenue" {
    capabilities = ["view_reports", "view_cost_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }

  # ga4.md matrix, admin: the editor's, and manage_members [H-ROLES] "Full
  # control of Analytics. Can manage users". The matrix's `?` cells
  # (transfer_site, delete_team) are not held.
  site_role "admin" {
    capabilities = ["view_reports", "view_cost_data", "view_revenue_data", "export_data", "edit_dashboards", "edit_settings", "manage_goals", "manage_integrations", "manage_members"]
  }
}

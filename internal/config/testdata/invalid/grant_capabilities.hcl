platform "tags" {
  team_role "user" { capabilities = [] }
  site_role "view" { capabilities = ["view_reports"] }
  grant_capability "view" { capabilities = ["manage_tags"] } # ERROR: Grant capability named like a role
  grant_capability "tags_write" {
    capabilities = ["manage_tagz"] # ERROR: Unknown capability
    included_in  = ["edit"] # ERROR: Unknown role in included_in # ERROR: "view"
  }
  grant_capability "tags_write" { capabilities = ["manage_tags"] } # ERROR: Duplicate grant capability
}

team "m" {
  platform = "matomo"
}

team "p" {
  platform = "plausible"
}

site "shop" {
  team = "m"
}

site "blog" {
  team = "p"
}

guest "a@agency.com" {
  team = "m"
  grant "shop" {
    role         = "write"
    capabilities = ["tagmanager_write"] # ERROR: Capability included in the role # ERROR: "write"
  }
}

guest "b@agency.com" {
  team = "m"
  grant "shop" {
    role         = "view"
    capabilities = ["tagmanager_publish"] # ERROR: Unknown grant capability # ERROR: "tagmanager_write", "tagmanager_publish_live_container" and "tagmanager_use_custom_templates"
  }
}

guest "c@agency.com" {
  team = "m"
  grant "shop" {
    role         = "view"
    capabilities = "tagmanager_write" # ERROR: Invalid value for capabilities
  }
}

guest "d@agency.com" {
  team = "p"
  grant "blog" {
    role         = "viewer"
    capabilities = ["tagmanager_write"] # ERROR: Platform without grant capabilities
  }
}

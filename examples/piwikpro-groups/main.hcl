# Globex runs one Piwik PRO account with several sites and apps. Owners see
# everything; users see what they are granted, alone or through a group.

team "globex" {
  platform     = "piwikpro"
  display_name = "Globex Corporation"
}

site "globex-shop" {
  team        = "globex"
  environment = "production"
  remote_id   = "8f1d2c3b-0a4e-4f5a-9b6c-7d8e9f0a1b2c" # the app id in Piwik PRO
}

site "globex-ios" {
  team        = "globex"
  environment = "production"
}

site "globex-shop-staging" {
  team        = "globex"
  environment = "staging"
}

policy {
  internal_domains   = ["globex.com"]
  min_owners         = 2
  external_expiry    = true
  require_ticket     = true
  external_forbidden = ["manage_members", "publish_tags"]
  max_removals       = 10
}

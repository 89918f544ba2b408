# Globex's Piwik PRO account, connected: roster reads users, app permissions
# and groups through the API and changes them itself.
#
# The credential is an API key pair of an account OWNER (Menu > Profile >
# API keys), given as CLIENT_ID:CLIENT_SECRET in the environment only:
#
#   export ROSTER_TOKEN_GLOBEX_PIWIK=3f2a...:Zx9...
#   roster plan

team "globex-piwik" {
  platform     = "piwikpro"
  display_name = "Globex Corporation"

  connection {
    endpoint = "https://globex.piwik.pro" # the account's own address
  }
}

# Apps are matched by name; remote_id pins the app id.
site "globex-shop" {
  team        = "globex-piwik"
  environment = "production"
  remote_id   = "8f1d2c3b-0a4e-4f5a-9b6c-7d8e9f0a1b2c"
}

site "globex-ios" {
  team        = "globex-piwik"
  environment = "production"
}

policy {
  internal_domains   = ["globex.com"]
  min_owners         = 2
  external_expiry    = true
  require_ticket     = true
  external_forbidden = ["manage_members", "publish_tags"]
}

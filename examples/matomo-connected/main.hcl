# Initech's self-hosted Matomo, connected: roster reads users and their
# access to each website through Matomo's HTTP API and changes them itself.
#
# The credential is the token_auth of a SUPERUSER (Administration →
# Personal → Security → Create new token), in the environment only, and
# account_id is that superuser's login (Matomo has no "who am I" method):
#
#   export ROSTER_TOKEN_INITECH_MATOMO=2f7c…
#   roster plan
#
# roster sends the token in the POST body (never in the URL), needs Matomo
# 4.12 or later, and leaves to a person, with the steps in `roster runbook`,
# what Matomo asks the superuser's password for: superuser access, email
# changes and enforcing two-factor authentication.

team "initech-matomo" {
  platform     = "matomo"
  display_name = "Initech analytics"

  connection {
    endpoint   = "https://analytics.initech.com" # the API is {endpoint}/index.php
    account_id = "roster-bot"                    # the token owner's login
  }
}

# Websites are matched by name; remote_id pins the idsite (names with
# spaces often need it).
site "Shop" {
  team        = "initech-matomo"
  environment = "production"
  remote_id   = "1"
}

site "Intranet" {
  team      = "initech-matomo"
  remote_id = "4"
}

policy {
  internal_domains   = ["initech.com"]
  min_owners         = 2
  external_expiry    = true
  require_ticket     = true
  external_forbidden = ["manage_members", "publish_tags"]
}

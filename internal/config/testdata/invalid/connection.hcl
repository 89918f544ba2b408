platform "mixpanel" {
  team_role "user" { capabilities = [] }
  site_role "view" { capabilities = ["view_reports"] }
}

team "m" {
  platform = "mixpanel"
  connection { # ERROR: Connection not supported # ERROR: "matomo", "piwikpro", "plausible" and "posthog"
    endpoint = "https://mixpanel.example"
  }
}

team "plain" {
  platform = "plausible"
  connection {
    endpoint          = "http://plausible.example" # ERROR: Insecure endpoint # ERROR: 127.0.0.1, [::1], localhost
    requests_per_hour = 0 # ERROR: Invalid value for requests_per_hour
  }
}

team "ftp" {
  platform = "plausible"
  connection {
    endpoint  = "ftp://plausible.example" # ERROR: Invalid endpoint
    token_env = "1-BAD" # ERROR: Invalid token_env
  }
}

team "none" {
  platform = "plausible"
  connection { # ERROR: Missing required argument # ERROR: "endpoint"
    account_id = "7"
  }
}

team "typo" {
  platform = "plausible"
  connection {
    endpoint = "https://plausible.io"
    token    = "secret" # ERROR: Unsupported argument
  }
}

team "ph" {
  platform = "posthog"
  connection { # ERROR: Missing account_id
    endpoint = "https://eu.posthog.com"
  }
}

team "ph2" {
  platform = "posthog"
  connection {
    endpoint   = "https://eu.posthog.com"
    account_id = "0190"
  }
}

team "ph-offline" {
  platform = "posthog"
}

site "app" {
  team = "ph2"
}

site "app" {
  team = "ph-offline"
}

guest "g@agency.com" {
  team = "ph2"
  grant "app" { role = "viewer" } # ERROR: Role not available on a connected team # ERROR: "member" or "admin"
}

guest "g@agency.com" {
  team = "ph-offline"
  grant "app" { role = "viewer" }
}

team "mt" {
  platform = "matomo"
  connection { # ERROR: Missing account_id # ERROR: login of the superuser
    endpoint = "https://matomo.example"
  }
}

# Team names that give one credential variable: the second is refused,
# unless it names a token_env of its own.
team "a-b" {
  platform = "plausible"
  connection {
    endpoint = "https://plausible.io"
  }
}

team "a_b" {
  platform = "plausible"
  connection { # ERROR: Shared credential variable # ERROR: $ROSTER_TOKEN_A_B
    endpoint = "https://plausible.io"
  }
}

team "c-d" {
  platform = "plausible"
  connection {
    endpoint = "https://plausible.io"
  }
}

team "c_d" {
  platform = "plausible"
  connection {
    endpoint  = "https://plausible.io"
    token_env = "ROSTER_TOKEN_CD_OTHER"
  }
}

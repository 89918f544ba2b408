# Connected teams (sync.md) beside an offline one.
team "bw-posthog" {
  platform = "posthog"
  connection {
    endpoint          = "https://eu.posthog.com"
    account_id        = "0190a1b2-c3d4"
    token_env         = "ROSTER_TOKEN_BW_POSTHOG"
    requests_per_hour = 600
  }
}

team "plaus-local" {
  platform = "plausible"
  connection {
    endpoint = "http://127.0.0.1:8080"
  }
}

team "pw-ipv6" {
  platform = "piwikpro"
  connection {
    endpoint = "http://[::1]:9000/api"
  }
}

team "pw-localhost" {
  platform = "piwikpro"
  connection {
    endpoint = "http://LocalHost"
  }
}

# Any loopback address may use http://, as $ROSTER_ENDPOINT_<TEAM> may.
team "pw-loopback" {
  platform = "piwikpro"
  connection {
    endpoint = "http://127.0.0.2:8080"
  }
}

team "offline" {
  platform = "plausible"
}

site "Production" {
  team      = "bw-posthog"
  remote_id = "12345"
}

member "dev@bw.com" {
  team = "bw-posthog"
  role = "member"
  grant "Production" { role = "admin" }
}

guest "ext@agency.com" {
  team = "bw-posthog"
  grant "Production" { role = "member" }
}

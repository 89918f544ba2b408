team "acme" {
  platform = "mixpanel" # ERROR: Unknown platform # ERROR: "matomo", "piwikpro", "plausible" and "posthog"
}

team "num" {
  platform = ["plausible"] # ERROR: Invalid value for platform # ERROR: must be a string
}

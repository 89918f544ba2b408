team "acme" {
  platform = "matomo" # ERROR: Unknown platform # ERROR: "piwikpro", "plausible" and "posthog"
}

team "num" {
  platform = ["plausible"] # ERROR: Invalid value for platform # ERROR: must be a string
}

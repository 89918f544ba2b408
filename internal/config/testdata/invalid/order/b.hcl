team "beta" {
  platform = "nope" # ERROR: Unknown platform
}

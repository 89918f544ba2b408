team "alpha" {
  platform = "nope" # ERROR: Unknown platform
}

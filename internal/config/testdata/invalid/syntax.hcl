team "acme" {
  platform = "plausible"
  display_name = # ERROR: Invalid expression
}

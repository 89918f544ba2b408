team "acme" {
  platform     = "plausible"
  display_name = "Acme\u001b[31m" # ERROR: Invalid characters in display_name # ERROR: U+001B
}

site "a.example" {
  team        = "acme"
  environment = "prod\r" # ERROR: Invalid characters in environment
}

member "a@acme.com" {
  team   = "acme"
  role   = "viewer"
  reason = "line one\nline two" # ERROR: Invalid characters in reason # ERROR: U+000A
  ticket = "IAM-1\t" # ERROR: Invalid characters in ticket # ERROR: U+0009
}

guest "g@agency.com" {
  team   = "acme"
  reason = "bell \u0007" # ERROR: Invalid characters in reason
  grant "a.example" {
    role   = "viewer"
    ticket = "del \u007f" # ERROR: Invalid characters in ticket # ERROR: U+007F
  }
}

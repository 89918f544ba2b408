team "acme" {
  platform = "plausible"
}

guest "g@agency.com" { # ERROR: Guest without grants # ERROR: at least one grant
  team = "acme"
}

guest "h@agency.com" { # ERROR: Guest without grants
  team = "acme"
  dynamic "grant" {
    for_each = []
    labels   = [grant.value]
    content { role = "viewer" }
  }
}

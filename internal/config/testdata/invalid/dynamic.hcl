team "acme" {
  platform = "plausible"
}

site "a.example" {
  team = "acme"
}

guest "g@agency.com" {
  team = "acme"
  grant "a.example" { role = "viewer" }
  dynamic "access" { # ERROR: Unsupported block type # ERROR: only generate grant blocks
    for_each = ["a.example"]
    labels   = [access.value]
    content { role = "viewer" }
  }
}

guest "h@agency.com" {
  team = "acme"
  dynamic "grant" {
    for_each = 3 # ERROR: Invalid dynamic for_each value
    labels   = [grant.value]
    content { role = "viewer" }
  }
  grant "a.example" { role = "viewer" }
}

guest "i@agency.com" {
  team = "acme"
  dynamic "grant" { # ERROR: Missing dynamic content block
    for_each = ["a.example"]
    labels   = [grant.value]
  }
  grant "a.example" { role = "viewer" }
}

guest "j@agency.com" {
  team = "acme"
  dynamic "grant" {
    for_each = ["a.example"]
    labels   = [grant.value]
    content {
      role  = "viewer"
      color = "red" # ERROR: Unsupported argument
    }
  }
}

# A dynamic block that cannot be expanded is the one error: the guest is
# not also reported as having no grants.
guest "k@agency.com" {
  team = "acme"
  dynamic "grant" { # ERROR: Missing required argument # ERROR: "labels"
    for_each = ["a.example"]
    content { role = "viewer" }
  }
}

guest "l@agency.com" {
  team = "acme"
  dynamic "grant" {
    for_each = ["a.example"]
    labels   = [grant.value, "b"] # ERROR: Extraneous dynamic block label
    content { role = "viewer" }
  }
}

# A Terraform habit in for_each: var.NAME is said to be no input variable,
# as everywhere else, and the guest is not also without grants.
guest "m@agency.com" {
  team = "acme"
  dynamic "grant" {
    for_each = var.sites # ERROR: Input variables not supported
    labels   = [grant.value]
    content { role = "viewer" }
  }
}

guest "n@agency.com" {
  team = "acme"
  dynamic "grant" {
    for_each = local.nope # ERROR: Unknown local value
    labels   = [grant.value]
    content { role = "viewer" }
  }
}

locals {
  a = local.b # ERROR: Cycle in local values # ERROR: local.a → local.b → local.a
  b = local.a
  c = local.nope # ERROR: Unknown local value # ERROR: local.nope
  self = "${local.self}x" # ERROR: Cycle in local values
  d = upper(1, 2) # ERROR: Too many function arguments
  e = nofunc("x") # ERROR: Call to unknown function
  f = length(local) # ERROR: Invalid reference to local values # ERROR: local.NAME
}

locals {
  c = "again" # ERROR: Duplicate local value
}

team "acme" {
  platform     = "plausible"
  display_name = local.missing # ERROR: Unknown local value
}

team "acme2" {
  platform     = "plausible"
  display_name = local.a
}

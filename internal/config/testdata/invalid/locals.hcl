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

# Terraform's input variables do not exist here; the diagnostics say what
# to write instead.
variable "owners" { # ERROR: Unsupported block type # ERROR: declare values in a locals block
  default = ["a@acme.com"]
}

locals {
  from_var = var.owners # ERROR: Input variables not supported # ERROR: var.owners names nothing
}

team "acme3" {
  platform     = "plausible"
  display_name = var.name # ERROR: Input variables not supported # ERROR: local.NAME
}

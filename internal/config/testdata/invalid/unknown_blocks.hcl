# Unknown and duplicate blocks and attributes, and wrong labels.
team "acme" {
  platform = "plausible"
  colour   = "blue" # ERROR: Unsupported argument # ERROR: "colour"
  plaform  = "x" # ERROR: Did you mean "platform"?
  settings {} # ERROR: Unsupported block type
}

teams "other" {} # ERROR: Unsupported block type # ERROR: Did you mean "team"?

name = "top" # ERROR: Unsupported argument

site "mysite.com" {
  team = "acme"
  team = "acme" # ERROR: Attribute redefined
}

team { # ERROR: Missing name for team
  platform = "plausible"
}

policy "strict" { # ERROR: Extraneous label for policy
}

member "a@acme.com" {
  team = "acme"
  role = "viewer"
  note = "hello" # ERROR: Unsupported argument
}

guest "g@agency.com" { # ERROR: Missing required argument # ERROR: "team"
  grant "mysite.com" { role = "viewer" }
  grant { role = "viewer" } # ERROR: Missing site for grant
  grant "mysite.com" "extra" { role = "viewer" } # ERROR: Extraneous label for grant
}

team "beta" {
  platform = "plausible"
  connection {
    endpoint = "https://plausible.io"
  }
  connection { # ERROR: Duplicate connection block
    endpoint = "https://plausible.io"
  }
}

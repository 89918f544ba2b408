# Locals refer to each other in any order; stdlib functions a Terraform user expects.
locals {
  domain      = lower(local.raw_domain)
  raw_domain  = "ACME.com"
  people      = concat(local.engineers, local.analysts, ["Eng1@acme.com"])
  engineers   = [for n in ["eng1", "eng2"] : format("%s@%s", n, local.domain)]
  analysts    = formatlist("%s@${local.domain}", ["ana"])
  all_people  = sort(distinct([for p in local.people : lower(p)]))
  nested      = flatten([["x"], [["y"]]])
  sites       = setunion(toset(["a.example"]), toset(["b.example", "a.example"]))
  by_site     = merge({ "a.example" = "viewer" }, { "b.example" = "editor" })
  site_names  = keys(local.by_site)
  roles       = values(local.by_site)
  count       = length(local.all_people)
  has_b       = contains(local.site_names, "b.example")
  first       = coalesce("", "first")
  compacted   = compact(["", "c.example"])
  joined      = join(",", local.site_names)
  parts       = split(",", local.joined)
  trimmed     = trimspace("  IAM-9  ")
  replaced    = replace("IAM_10", "_", "-")
  smallest    = min(3, 1, 2)
  largest     = max(3, 1, 2)
  looked_up   = lookup(local.by_site, "c.example", "viewer")
  second      = element(local.site_names, 1)
  as_map      = tomap({ x = "1" })
  as_list     = tolist(local.sites)
  as_string   = tostring(42)
  upper_team  = upper("acme")
  safe        = try(local.as_map.missing, "fallback")
  numbers     = range(3)
}

team "acme" {
  platform     = "plausible"
  display_name = "${local.upper_team} has ${local.count} people, smallest ${local.smallest}, largest ${local.largest}"
}

site "a.example" { team = "acme" }
site "b.example" { team = "acme" }

member "owner@acme.com" {
  team   = "acme"
  role   = "owner"
  ticket = local.trimmed
  reason = "${local.first} ${local.safe} ${local.as_map.x} ${length(local.numbers)} ${local.has_b} ${local.as_string}"
}

guest "g@agency.com" {
  team   = "acme"
  ticket = local.replaced
  reason = join(" ", concat(local.nested, local.parts, local.compacted, [local.second, local.looked_up], local.as_list))
  grant "a.example" { role = local.by_site["a.example"] }
  grant "b.example" { role = local.roles[1] }
}

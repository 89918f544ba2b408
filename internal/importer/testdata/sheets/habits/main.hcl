team "acme" {
  platform = "plausible"
}

site "shop.example" {
  team = "acme"
}

site "blog.example" {
  team = "acme"
}

member "olga@acme.com" {
  team = "acme"
  role = "owner"
}

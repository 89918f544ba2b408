team "acme" {
  platform = "piwikpro"
}

site "shop-app" {
  team = "acme"
}

site "blog-app" {
  team = "acme"
}

member "olga@acme.com" {
  team = "acme"
  role = "owner"
}

policy {
  internal_domains = ["ACME.com"]
  require_ticket   = false
}

# A policy without internal_domains is warned about (TestDiagnosticStandard).
policy {
  require_ticket = false
}

team "northwind" {
  platform = "plausible"
}

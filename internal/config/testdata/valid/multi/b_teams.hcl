# Teams and sites in one file, people in another: order of files does not matter.
team "acme" {
  platform = "plausible"
}

site "mysite.com" { team = "acme" }

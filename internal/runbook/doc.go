// Package runbook owns the steps a person follows in a platform's UI: for
// changes an API cannot make (manual steps, schema/sync.md), for every change of
// an offline team (printed by apply for guidance), and for follow-up tasks
// (rotate a Stats API key, review shared links). The steps follow the
// source documents' procedures: menu paths, the role to pick, what to check
// afterwards. It also renders the open items as text, markdown and JSON.
package runbook

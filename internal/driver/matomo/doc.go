// Package matomo is the driver of Matomo instances (schema/sync.md; the API facts
// in ../shared/apis/matomo.md): it reads a superuser's view of the
// instance's users, websites and per-site access through the HTTP
// Reporting API (POST index.php, token_auth in the form body, format=JSON),
// and invites, re-invites, sets access (the role with its explicit
// capabilities in one setUserAccess) and deletes users. Matomo's errors
// arrive as HTTP 200 {"result":"error"} bodies and are treated as errors;
// every answer's shape is checked (driver/kit) before use. What needs the
// token owner's password (superuser access, email changes, 2FA) is a
// manual step. It never deletes a user for losing their last grant.
package matomo

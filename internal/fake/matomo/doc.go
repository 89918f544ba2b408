// Package matomo is a fake Matomo HTTP API (POST /index.php,
// module=API) for tests, following docs/apis/matomo.md fact by fact:
// token_auth in the POST body (refused in the query string since 5.0), a
// Bearer header from 5.4, errors as HTTP 200 {"result":"error"} bodies
// (401 and 400 where Matomo sets them), the superuser-only reads, paging of
// getUsersPlusRole with X-Matomo-Total-Results, invitations that expire and
// are cleaned up 3 days later, setUserAccess replacing a whole grant, and
// the HTTP 500 that is not JSON for an unknown capability. Admin endpoints
// under /_fake/ seed it, change it by hand and inject failures; the
// server, its clock and request log are fakekit's (Base).
package matomo

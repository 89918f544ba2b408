// Package matomo is the driver of Matomo instances (schema/sync.md; the API facts
// in docs/apis/matomo.md): it reads a superuser's view of the
// instance's users, websites and per-site access through the HTTP
// Reporting API (POST index.php, token_auth in the form body, format=JSON),
// and invites, re-invites, sets access (the role with its explicit
// capabilities in one setUserAccess) and deletes users.
//
// api.go is the typed client: one method per API method, context first;
// Matomo's errors, which mostly arrive as HTTP 200 {"result":"error"}
// bodies, are *driver.APIError, and an answer that is not JSON or not of
// the expected shape (driver/kit) is a *callError. Its request lines are
// `POST /index.php STATUS`: the API method travels in the body, and errors
// name it. Every request waits its turn in a kit.Pacer (at most 5 start in
// any second, matomo.md, Rate limits), shared by the teams of a run on one
// instance, httpc's retries counted after the fact. decide.go turns a plan change into requests without HTTP;
// refresh.go reads the instance, checking first that connection.account_id
// is a superuser and that the token is a superuser's; driver.go sends the
// decided requests, counts them for the plan's cost, and names the manual
// steps: what needs the token owner's password (superuser access, email
// changes, 2FA). A guest's account is their implicit membership
// (schema/sync.md): refresh reports it as Snapshot.Implicit, and it is
// deleted, guarded like any deleteUser, with their last grant.
package matomo

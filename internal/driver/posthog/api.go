package posthog

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// Client is a typed client of the part of PostHog's API roster uses
// (posthog.md): one organization's members, invitations, projects, their
// access rows and roles. Context first, typed answers, and a refusal as
// a *driver.APIError with PostHog's own detail. It makes every request
// through httpc, which retries and checks each answer's shape.
type Client struct {
	hc  *httpc.Client
	org string // the organization id as paths use it
}

// pageSize is the limit asked for on every list.
const pageSize = 100

// Me is GET /api/users/@me/.
type Me struct {
	UUID          string `json:"uuid"`
	Email         string `json:"email"`
	Organizations *[]struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organizations"`
}

// Member is an organization member.
type Member struct {
	ID    string `json:"id"` // the membership id (organization_member in access rows)
	Level int    `json:"level"`
	User  struct {
		UUID  string `json:"uuid"`
		Email string `json:"email"`
	} `json:"user"`
}

// Invite is an organization invitation.
type Invite struct {
	ID                   string          `json:"id"`
	TargetEmail          string          `json:"target_email"`
	Level                int             `json:"level"`
	IsExpired            bool            `json:"is_expired"`
	CreatedAt            string          `json:"created_at"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access"`
}

// ProjectAccess is one private_project_access entry of an invitation.
type ProjectAccess struct {
	ID    flexInt `json:"id"`
	Level string  `json:"level"`
}

// Project is a project of the organization.
type Project struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Access is GET /api/projects/{id}/access_controls/.
type Access struct {
	AccessControls []struct {
		AccessLevel        string  `json:"access_level"`
		OrganizationMember *string `json:"organization_member"`
		Role               *string `json:"role"`
	} `json:"access_controls"`
	DefaultAccessLevel string `json:"default_access_level"`
}

// Role is an RBAC role (Enterprise).
type Role struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RoleMembership is a member of a role.
type RoleMembership struct {
	User struct {
		Email string `json:"email"`
	} `json:"user"`
}

// InviteRequest is the body of POST …/invites/.
type InviteRequest struct {
	TargetEmail          string             `json:"target_email"`
	Level                int                `json:"level"`
	PrivateProjectAccess []InviteProjectAcc `json:"private_project_access"`
}

// InviteProjectAcc is one private_project_access entry of InviteRequest.
type InviteProjectAcc struct {
	ID    int    `json:"id"`
	Level string `json:"level"`
}

// Created is the answer of POST …/invites/ that roster reads.
type Created struct {
	ID          string `json:"id"`
	CreatedAt   string `json:"created_at"`
	TargetEmail string `json:"target_email"`
}

// flexInt reads an id given as a JSON number or string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	digits := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &digits); err != nil {
			return fmt.Errorf("not an id: %s", b)
		}
	}
	i, err := strconv.Atoi(digits)
	if err != nil {
		return fmt.Errorf("not an id: %s", b)
	}
	*f = flexInt(i)
	return nil
}

// Shapes of the answers the driver reads (posthog.md; schema/sync.md, Reading
// safely): every field read, of its JSON type.
var (
	memberShape = kit.Obj{"id": kit.String, "level": kit.Int, "user": kit.Obj{"uuid": kit.String, "email": kit.String}}
	inviteShape = kit.Obj{"id": kit.String, "target_email": kit.String, "level": kit.Int, "is_expired": kit.Bool,
		"created_at":             kit.String,
		"private_project_access": kit.Opt(kit.Null(kit.List(kit.Obj{"id": kit.ID, "level": kit.String})))}
	projectShape = kit.Obj{"id": kit.Int, "name": kit.String}
	accessShape  = kit.Obj{
		"access_controls": kit.List(kit.Obj{"access_level": kit.String,
			"organization_member": kit.Null(kit.String), "role": kit.Null(kit.String)}),
		"default_access_level": kit.String,
	}
	meShape = kit.Obj{"uuid": kit.String, "email": kit.String,
		"organizations": kit.Opt(kit.List(kit.Obj{"id": kit.String, "name": kit.String}))}
	// Shapes of the roles answers (schema-2024.yaml: Role, RoleMembership).
	roleShape           = kit.Obj{"id": kit.String, "name": kit.String}
	roleMembershipShape = kit.Obj{"id": kit.String, "user": kit.Obj{"email": kit.String}}
	createdShape        = kit.Obj{"id": kit.String, "created_at": kit.String, "target_email": kit.String}
)

func (c *Client) orgPath(rest string) string {
	return "/api/organizations/" + url.PathEscape(c.org) + "/" + rest
}

// Me reads the key's owner and their organizations.
func (c *Client) Me(ctx context.Context) (Me, kit.Response, error) {
	var me Me
	api, err := c.hc.JSON(ctx, http.MethodGet, "/api/users/@me/", nil, nil, httpc.Shaped{Shape: meShape, Into: &me}, "")
	return me, kit.Response{API: api}, refusal(err, true)
}

// Members lists the organization's members.
func (c *Client) Members(ctx context.Context) ([]Member, kit.Response, error) {
	return list[Member](ctx, c, c.orgPath("members/"), memberShape)
}

// Invites lists the organization's invitations, expired ones included.
func (c *Client) Invites(ctx context.Context) ([]Invite, kit.Response, error) {
	return list[Invite](ctx, c, c.orgPath("invites/"), inviteShape)
}

// Projects lists the organization's projects.
func (c *Client) Projects(ctx context.Context) ([]Project, kit.Response, error) {
	return list[Project](ctx, c, c.orgPath("projects/"), projectShape)
}

// Roles lists the organization's roles (the key needs organization:read).
func (c *Client) Roles(ctx context.Context) ([]Role, kit.Response, error) {
	return list[Role](ctx, c, c.orgPath("roles/"), roleShape)
}

// RoleMemberships lists the members of a role.
func (c *Client) RoleMemberships(ctx context.Context, role string) ([]RoleMembership, kit.Response, error) {
	return list[RoleMembership](ctx, c, c.orgPath("roles/"+url.PathEscape(role)+"/role_memberships/"), roleMembershipShape)
}

func accessPath(project int) string {
	return "/api/projects/" + strconv.Itoa(project) + "/access_controls/"
}

// Access reads a project's access rows.
func (c *Client) Access(ctx context.Context, project int) (Access, kit.Response, error) {
	var a Access
	api, err := c.hc.JSON(ctx, http.MethodGet, accessPath(project), nil, nil, httpc.Shaped{Shape: accessShape, Into: &a}, "")
	return a, kit.Response{API: api}, refusal(err, true)
}

func (c *Client) memberPath(uuid string) string {
	return c.orgPath("members/" + url.PathEscape(uuid) + "/")
}

// SetLevel sets a member's organization level (PATCH members/{uuid}/).
func (c *Client) SetLevel(ctx context.Context, uuid string, level int) (kit.Response, error) {
	return c.write(ctx, http.MethodPatch, c.memberPath(uuid), map[string]int{"level": level}, nil)
}

// RemoveMember removes a member from the organization.
func (c *Client) RemoveMember(ctx context.Context, uuid string) (kit.Response, error) {
	return c.write(ctx, http.MethodDelete, c.memberPath(uuid), nil, nil)
}

// SetAccess sets a membership's access row on a project; level ""
// deletes it (access_level null).
func (c *Client) SetAccess(ctx context.Context, project int, member, level string) (kit.Response, error) {
	body := map[string]any{"access_level": nil, "organization_member": member}
	if level != "" {
		body["access_level"] = level
	}
	return c.write(ctx, http.MethodPut, accessPath(project), body, nil)
}

// DeleteInvite deletes an invitation.
func (c *Client) DeleteInvite(ctx context.Context, id string) (kit.Response, error) {
	return c.write(ctx, http.MethodDelete, c.orgPath("invites/"+url.PathEscape(id)+"/"), nil, nil)
}

// CreateInvite invites someone; PostHog deletes every earlier invitation
// of the email.
func (c *Client) CreateInvite(ctx context.Context, req InviteRequest) (Created, kit.Response, error) {
	var got Created
	res, err := c.write(ctx, http.MethodPost, c.orgPath("invites/"), req, &got)
	// posthog.md, Endpoints: the answer is the invite, whose id roster
	// keeps to delete it; without one, or with another email's (whose
	// invitation roster would later delete), no invitation is counted as
	// made.
	switch {
	case err != nil:
	case got.ID == "":
		err = fmt.Errorf("%s answered POST %s without the new invitation's id; roster does not count it as made: run roster plan again to see what PostHog holds",
			Platform, c.orgPath("invites/"))
	case !strings.EqualFold(got.TargetEmail, req.TargetEmail):
		err = fmt.Errorf("%s answered POST %s with the invitation of another email; roster does not count %s as invited: run roster plan again to see what PostHog holds",
			Platform, c.orgPath("invites/"), req.TargetEmail)
	}
	return got, res, err
}

// write sends a change. An answer is read as JSON (into, checked
// against its shape, when given), so that one that is not JSON fails.
func (c *Client) write(ctx context.Context, method, path string, body any, into *Created) (kit.Response, error) {
	var raw jsontext.Value
	var out any = &raw
	if into != nil {
		out = httpc.Shaped{Shape: createdShape, Into: into}
	}
	api, err := c.hc.JSON(ctx, method, path, nil, body, out, "")
	return kit.Response{API: api}, refusal(err, false)
}

type page[T any] struct {
	Count   int     `json:"count"`
	Next    *string `json:"next"`
	Results []T     `json:"results"`
}

// list reads every page of an offset-paged list whose items have the
// shape item; the paging must keep its word (kit.Pager).
func list[T any](ctx context.Context, c *Client, path string, item kit.Shape) ([]T, kit.Response, error) {
	pg := &kit.Pager{Linked: true}
	shape := kit.Obj{"count": kit.Int, "next": kit.Null(kit.String), "results": kit.List(item)}
	return kit.ReadPages(pg, Platform, "GET "+path, func() (kit.Page[T], error) {
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(pg.Read())}}
		var p page[T]
		api, err := c.hc.JSON(ctx, http.MethodGet, path, q, nil, httpc.Shaped{Shape: shape, Into: &p}, "")
		if err != nil {
			return kit.Page[T]{API: api}, refusal(err, true)
		}
		return kit.Page[T]{Items: p.Results, Total: &p.Count, More: p.Next != nil, API: api}, nil
	})
}

// errBody is PostHog's error body.
type errBody struct {
	Type   string `json:"type"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Attr   any    `json:"attr"`
}

// missingScope matches PostHog's 403 detail for a key without a scope.
var missingScope = regexp.MustCompile(`^API key missing required scope '([a-z_]+:(?:read|write)|\*)'`)

// refusal turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with PostHog's own detail
// (Read for a read); any other failure comes back as it is.
func refusal(err error, read bool) error {
	re, ok := httpc.Refusal(err)
	if !ok {
		return err
	}
	msg := ""
	var eb errBody
	if json.Unmarshal(re.Body, &eb) == nil && eb.Detail != "" {
		msg = eb.Detail
		if s, ok := eb.Attr.(string); ok && s != "" && eb.Type == "validation_error" {
			msg += " (" + s + ")"
		}
		msg = kit.Words(msg)
	}
	if sc := missingScope.FindStringSubmatch(eb.Detail); re.Status == http.StatusForbidden && sc != nil {
		// posthog.md, Auth: PostHog names the scope the key lacks.
		what := "the request"
		if !read {
			what = re.Request()
		}
		msg = fmt.Sprintf("the personal API key lacks the scope %s that %s needs (PostHog: %q); add %s to the key in PostHog (Settings, Personal API keys) or use a key that has it",
			sc[1], what, kit.Words(eb.Detail), sc[1])
	}
	if msg == "" {
		msg = kit.BodyText(re.Body, re.Status)
	}
	return &driver.APIError{Platform: Platform, Status: re.Status, Message: msg, Request: re.Request(), Read: read}
}

package plausible

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// Client is a typed client of the part of Plausible's Sites API roster
// uses (plausible.md): context first, typed answers, and a refusal as a
// *driver.APIError with Plausible's own message. It makes every request
// through httpc, which retries, paces and checks each answer's shape.
type Client struct {
	hc *httpc.Client
}

// Team is an item of GET /api/v1/sites/teams.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Site is an item of GET /api/v1/sites.
type Site struct {
	Domain string `json:"domain"`
}

// Guest is an item of GET /api/v1/sites/guests and the answer of PUT.
type Guest struct {
	Email  string `json:"email"`
	Role   string `json:"role"`
	Status string `json:"status"`
}

// GuestRequest is the body of PUT /api/v1/sites/guests.
type GuestRequest struct {
	SiteID string `json:"site_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

const guestsPath = "/api/v1/sites/guests"

// pageSize is the limit asked for on every list (Plausible honours 1..100).
const pageSize = 100

// Shapes of the answers the driver reads (plausible.md; schema/sync.md,
// Reading safely).
var (
	teamShape  = kit.Obj{"id": kit.String, "name": kit.String}
	siteShape  = kit.Obj{"domain": kit.String}
	guestShape = kit.Obj{"email": kit.String, "role": kit.String, "status": kit.String}
	// deletedShape is DELETE guest's answer, {"deleted":true}.
	deletedShape = kit.Obj{"deleted": kit.Bool}
)

// Teams lists the teams the key sees.
func (c *Client) Teams(ctx context.Context) ([]Team, kit.Response, error) {
	return list[Team](ctx, c, "/api/v1/sites/teams", nil, "teams", teamShape)
}

// Sites lists a team's sites.
func (c *Client) Sites(ctx context.Context, teamID string) ([]Site, kit.Response, error) {
	return list[Site](ctx, c, "/api/v1/sites", url.Values{"team_id": {teamID}}, "sites", siteShape)
}

// Guests lists a site's guests, invited or accepted.
func (c *Client) Guests(ctx context.Context, domain string) ([]Guest, kit.Response, error) {
	return list[Guest](ctx, c, guestsPath, url.Values{"site_id": {domain}}, "guests", guestShape)
}

// PutGuest invites a guest. Plausible finds or creates by email: an
// existing guest comes back unchanged. Plausible answers 500 when the
// email is a team member's (or the team is at its member limit): its
// answer, not a passing fault, so the request is not repeated on a 500
// (another 5xx is retried like any PUT's).
func (c *Client) PutGuest(ctx context.Context, req GuestRequest) (Guest, kit.Response, error) {
	var got Guest
	api, err := c.hc.JSON(httpc.WithoutRetryOn500(ctx), http.MethodPut, guestsPath, nil, req, httpc.Shaped{Shape: guestShape, Into: &got}, "")
	return got, kit.Response{API: api}, c.refusal(err, false)
}

// DeleteGuest removes a guest, which Plausible answers {"deleted":true}
// whether or not the email was a guest. Any other 2xx answer (a proxy's
// page, an error body) is no confirmation: the removal failed, and is
// never recorded as made. A retried DELETE whose retry answers 404 did
// delete (httpc: Gone).
func (c *Client) DeleteGuest(ctx context.Context, domain, email string) (kit.Response, error) {
	path := guestsPath + "/" + url.PathEscape(email)
	res, err := c.hc.Do(ctx, http.MethodDelete, path, url.Values{"site_id": {domain}}, nil, "")
	if err != nil {
		return kit.Response{API: httpc.Lines(nil, err)}, c.refusal(err, false)
	}
	if res.Gone {
		return kit.Response{API: res.API}, nil
	}
	var ans struct {
		Deleted bool `json:"deleted"`
	}
	if kit.Check(res.Body, deletedShape) != nil || json.Unmarshal(res.Body, &ans) != nil || !ans.Deleted {
		return kit.Response{API: res.API}, &driver.APIError{Platform: Platform, Status: res.Status, Request: http.MethodDelete + " " + path,
			Message: fmt.Sprintf("the answer is not {\"deleted\":true} but %s, so roster does not count the guest as removed; run roster plan again to see what Plausible holds",
				c.hc.Redact(kit.BodyText(res.Body, res.Status)))}
	}
	return kit.Response{API: res.API}, nil
}

// refusal turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with Plausible's own message
// (Read for a read); any other failure comes back as it is.
func (c *Client) refusal(err error, read bool) error {
	re, ok := httpc.Refusal(err)
	if !ok {
		return err
	}
	// plausible.md: errors are {"error":"msg"}; another error value is
	// shown as the JSON it is.
	msg := ""
	var eb struct {
		Error jsontext.Value `json:"error"`
	}
	if json.Unmarshal(re.Body, &eb) == nil && len(eb.Error) > 0 && eb.Error.Kind() != 'n' && json.Unmarshal(eb.Error, &msg) != nil {
		msg = string(eb.Error)
	}
	if msg == "" {
		msg = kit.BodyText(re.Body, re.Status)
	}
	return &driver.APIError{Platform: Platform, Status: re.Status, Message: kit.Words(msg), Request: re.Request(), Read: read}
}

// list reads every page of a cursor-paged list (always limit=100, the
// same on every page) whose items under field have the shape item; the
// paging must keep its word (kit.Pager).
func list[T any](ctx context.Context, c *Client, path string, q url.Values, field string, item kit.Shape) ([]T, kit.Response, error) {
	seen := map[string]bool{}
	after, next := "", ""
	pg := &kit.Pager{Linked: true}
	shape := kit.Obj{field: kit.List(item), "meta": kit.Obj{"after": kit.Null(kit.String)}}
	return kit.ReadPages(pg, Platform, "GET "+path, func() (kit.Page[T], error) {
		if pg.Pages() > 0 { // the previous page promised the next
			if seen[next] {
				return kit.Page[T]{}, fmt.Errorf("%s answered GET %s with the same page twice; roster stopped reading", Platform, path)
			}
			seen[next] = true
			after = next
		}
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("limit", strconv.Itoa(pageSize))
		if after != "" {
			pq.Set("after", after)
		}
		var p struct {
			Meta struct {
				After *string `json:"after"`
			} `json:"meta"`
			Lists map[string]jsontext.Value `json:",embed"` // field among them
		}
		api, err := c.hc.JSON(ctx, http.MethodGet, path, pq, nil, httpc.Shaped{Shape: shape, Into: &p}, "")
		if err != nil {
			return kit.Page[T]{API: api}, c.refusal(err, true)
		}
		var items []T
		if err := json.Unmarshal(p.Lists[field], &items); err != nil {
			return kit.Page[T]{API: api}, fmt.Errorf("%s answered GET %s with a page roster cannot read: %v", Platform, path, err)
		}
		more := p.Meta.After != nil && *p.Meta.After != ""
		if more {
			next = *p.Meta.After
		}
		return kit.Page[T]{Items: items, More: more, API: api}, nil
	})
}

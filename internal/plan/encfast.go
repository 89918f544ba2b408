package plan

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/jsonw"
	"github.com/roster-dev/roster/internal/model"
)

// The plan member is written by hand-rolled appenders, the one hand path
// left beside the wire types of wire.go: a plan of 100,000 changes is
// encoded once for the file and once more for its digest, and
// BenchmarkEncodeDecode/encode measures the typed json/v2 encoding
// (appendPlanWire) about 5x slower (2-3 s against 0.4-0.6 s at 100k
// changes, more than P(100k), the whole plan's budget). The output is byte
// for byte appendPlanWire's: TestFastEncoderMatchesWire and
// FuzzFastEncoderMatchesWire hold them equal, so objects are exactly
// model.Object's JSON.

// sortedAttrNames lists each kind's attribute names in sorted order, the
// key order of model.Object's JSON.
var sortedAttrNames = func() map[model.Kind][]string {
	m := map[model.Kind][]string{}
	for k, names := range model.AttrNames {
		s := slices.Clone(names)
		sort.Strings(s)
		m[k] = s
	}
	return m
}()

// appendObject writes o as model.Object.MarshalJSON does, or null.
func appendObject(b []byte, o *model.Object) []byte {
	if o == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"address":`...)
	b = appendAddr(b, o.Addr)
	b = append(b, `,"attrs":{`...)
	if len(o.Capabilities) > 0 && o.Addr.Kind == model.KindGrant {
		// Sorted first: "capabilities" comes before every grant attribute.
		b = append(b, `"capabilities":[`...)
		for i, c := range o.Capabilities {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, "],"...)
	}
	for i, name := range sortedAttrNames[o.Addr.Kind] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = appendAttr(b, o, name)
	}
	if len(o.RoleAccess) > 0 && o.Addr.Kind == model.KindSite {
		// Sorted last: "role_access" comes after every site attribute.
		b = append(b, `,"role_access":[`...)
		for i, r := range o.RoleAccess {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, r.String())
		}
		b = append(b, ']')
	}
	if o.Connected {
		return append(b, `},"connected":true}`...)
	}
	return append(b, "}}"...)
}

func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendAttr(b []byte, o *model.Object, name string) []byte {
	switch name {
	case "platform":
		return appendOptString(b, o.Platform)
	case "display_name":
		return appendOptString(b, o.DisplayName)
	case "require_2fa":
		if o.Require2FA == nil {
			return append(b, "null"...)
		}
		if *o.Require2FA {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case "sso":
		return appendOptString(b, o.SSO)
	case "environment":
		return appendOptString(b, o.Environment)
	case "remote_id":
		return appendOptString(b, o.RemoteID)
	case "default_access":
		return appendOptString(b, o.DefaultAccess)
	case "role":
		return appendOptString(b, o.Role)
	case "holder_kind":
		return appendOptString(b, string(o.HolderKind))
	case "status":
		return appendOptString(b, string(o.Status))
	case "expires":
		return appendOptString(b, o.Expires)
	case "reason":
		return appendOptString(b, o.Reason)
	case "ticket":
		return appendOptString(b, o.Ticket)
	case "members":
		b = append(b, '[')
		for i, m := range o.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m)
		}
		return append(b, ']')
	}
	// An attribute added to the model after this was written: fall back
	// to the model's own values and encoding/json.
	for _, a := range o.Attrs() {
		if a.Name == name {
			v, err := json.Marshal(a.Value)
			if err == nil {
				return append(b, v...)
			}
		}
	}
	return append(b, "null"...)
}

// appendString writes s as a JSON string exactly as encoding/json does,
// HTML escaping included: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped.
func appendString(b []byte, s string) []byte { return jsonw.AppendStringHTML(b, s) }

// appendAddr writes a.String() as a JSON string without building it. The
// parts are joined by ASCII separators, so escaping them one by one gives
// the same bytes as escaping the whole.
func appendAddr(b []byte, a model.Address) []byte {
	b = append(b, '"')
	switch a.Kind {
	case model.KindTeam, model.KindSite, model.KindMember, model.KindGroup, model.KindGrant:
		b = jsonw.AppendStringBody(b, string(a.Kind), true)
		b = append(b, '/')
		b = jsonw.AppendStringBody(b, a.Team, true)
	}
	switch a.Kind {
	case model.KindSite, model.KindGrant:
		b = append(b, '/')
		b = jsonw.AppendStringBody(b, a.Site, true)
	}
	switch a.Kind {
	case model.KindMember:
		b = append(b, '/')
		b = jsonw.AppendStringBody(b, a.Email, true)
	case model.KindGroup:
		b = append(b, '/')
		b = jsonw.AppendStringBody(b, a.Group, true)
	case model.KindGrant:
		b = append(b, '/')
		if a.Group != "" {
			b = append(b, model.GroupHolderPrefix...)
			b = jsonw.AppendStringBody(b, a.Group, true)
		} else {
			b = jsonw.AppendStringBody(b, a.Email, true)
		}
	}
	return append(b, '"')
}

// appendPlan writes the plan member: compact JSON in a fixed order, every
// array present, so that the same plan always gives the same bytes.
func appendPlanFast(b []byte, p *Plan) []byte {
	b = append(b, `{"created_at":`...)
	b = appendTime(b, p.CreatedAt)
	b = append(b, `,"now":`...)
	b = appendTime(b, p.Now)
	b = append(b, `,"lineage":`...)
	b = appendString(b, p.Lineage)
	b = append(b, `,"serial":`...)
	b = strconv.AppendUint(b, p.Serial, 10)
	b = append(b, `,"config_digest":`...)
	b = appendString(b, p.ConfigDigest)
	b = append(b, `,"allow_mass_removal":`...)
	b = strconv.AppendBool(b, p.AllowMassRemoval)
	b = append(b, `,"reinvite":`...)
	b = strconv.AppendBool(b, p.Reinvite)
	b = append(b, `,"commit":`...)
	b = appendString(b, p.Commit)
	b = append(b, `,"change_request":`...)
	b = appendString(b, p.ChangeRequest)

	b = append(b, `,"drift":[`...)
	for i := range p.Drift {
		d := &p.Drift[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendAddr(b, d.Addr)
		b = append(b, `,"before":`...)
		b = appendObject(b, d.Before)
		b = append(b, `,"after":`...)
		b = appendObject(b, d.After)
		if d.Via != "" {
			b = append(b, `,"via":`...)
			b = appendString(b, string(d.Via))
		}
		b = append(b, '}')
	}
	b = append(b, `],"changes":[`...)
	for i := range p.Changes {
		c := &p.Changes[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendAddr(b, c.Addr)
		b = append(b, `,"action":`...)
		b = appendString(b, string(c.Action))
		if c.Action == Move {
			// Only moves write these, so other plans keep their bytes.
			b = append(b, `,"from":`...)
			b = appendAddr(b, c.From)
			b = append(b, `,"carried":[`...)
			for k, o := range c.Carried {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendObject(b, o)
			}
			b = append(b, ']')
		}
		b = append(b, `,"before":`...)
		b = appendObject(b, c.Before)
		b = append(b, `,"after":`...)
		b = appendObject(b, c.After)
		b = append(b, `,"risks":[`...)
		for k, r := range c.Risks {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendString(b, string(r))
		}
		b = append(b, `],"why":`...)
		b = appendString(b, c.Why)
		b = append(b, '}')
	}
	b = append(b, `],"follow_ups":[`...)
	for i, f := range p.FollowUps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendAddr(b, f.Site)
		b = append(b, `,"task":`...)
		b = appendString(b, f.Task)
		b = append(b, `,"text":`...)
		b = appendString(b, f.Text)
		b = append(b, '}')
	}
	b = append(b, `],"manual":`...)
	b = appendManuals(b, p.Manual)
	b = append(b, `,"cost":[`...)
	for i, c := range p.Cost {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"team":`...)
		b = appendString(b, c.Team)
		b = append(b, `,"requests":`...)
		b = strconv.AppendInt(b, int64(c.Requests), 10)
		b = append(b, `,"budget_per_hour":`...)
		b = appendIntPtr(b, c.BudgetPerHour)
		b = append(b, `,"eta_seconds":`...)
		b = appendIntPtr(b, c.ETASeconds)
		if c.Estimate {
			b = append(b, `,"estimate":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if len(p.Seen) > 0 {
		// Written only when there is any, so that the plans of offline
		// teams keep the bytes (and digests) they always had.
		b = append(b, `,"seen":[`...)
		for i := range p.Seen {
			x := &p.Seen[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"address":`...)
			b = appendAddr(b, x.Addr)
			b = append(b, `,"object":`...)
			b = appendObject(b, x.Object)
			b = append(b, `,"undeclared":`...)
			b = strconv.AppendBool(b, x.Undeclared)
			b = append(b, `,"elsewhere":[`...)
			for k, e := range x.Elsewhere {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendString(b, e)
			}
			b = append(b, "]}"...)
		}
		b = append(b, ']')
	}
	if len(p.Diagnostics) > 0 {
		b = append(b, `,"diagnostics":[`...)
		for i := range p.Diagnostics {
			d := &p.Diagnostics[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"severity":`...)
			b = appendString(b, string(d.Severity))
			b = append(b, `,"summary":`...)
			b = appendString(b, d.Summary)
			b = append(b, `,"detail":`...)
			b = appendString(b, d.Detail)
			b = append(b, `,"range":`...)
			if r := d.Range; r == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, `{"filename":`...)
				b = appendString(b, r.Filename)
				b = append(b, `,"start":`...)
				b = appendPos(b, r.Start)
				b = append(b, `,"end":`...)
				b = appendPos(b, r.End)
				b = append(b, '}')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(p.Upcoming) > 0 {
		b = append(b, `,"upcoming":`...)
		b = appendManuals(b, p.Upcoming)
	}
	return append(b, '}')
}

func appendPos(b []byte, p Pos) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, `,"column":`...)
	b = strconv.AppendInt(b, int64(p.Column), 10)
	b = append(b, `,"byte":`...)
	b = strconv.AppendInt(b, int64(p.Byte), 10)
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendIntPtr(b []byte, n *int) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*n), 10)
}

// appendManuals writes a list of manual steps (open, or planned).
func appendManuals(b []byte, ms []Manual) []byte {
	b = append(b, '[')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendAddr(b, m.Addr)
		b = append(b, `,"task":`...)
		b = appendString(b, m.Task)
		b = append(b, `,"change":`...)
		b = appendString(b, m.Change)
		b = append(b, `,"text":`...)
		b = appendString(b, m.Text)
		b = append(b, '}')
	}
	return append(b, ']')
}

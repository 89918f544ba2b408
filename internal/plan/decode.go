package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// Decode reads a saved plan file, refusing anything that is not one, one
// made by a newer roster, and one whose plan no longer matches its digest
// (checked before the plan is read). It never panics.
func Decode(data []byte) (*Plan, error) {
	d := &jdec{b: data}
	var version []byte
	var digest *string
	var sig *Signature
	planStart, planEnd := -1, -1
	if d.enterObject("the file") {
		for first := true; ; {
			key, more := d.nextKey(&first)
			if !more {
				break
			}
			switch string(key) {
			case "roster_plan":
				d.ws()
				start := d.i
				d.skip()
				version = d.b[start:d.i]
			case "digest":
				s, _ := d.str("digest")
				digest = &s
			case "plan":
				d.ws()
				planStart = d.i
				d.skip()
				planEnd = d.i
			case "signature":
				sig = d.signature()
			default:
				d.skip()
			}
		}
	}
	if !d.end() {
		if d.eof {
			return nil, errors.New("not a roster plan file: it is truncated (unexpected end of JSON input)")
		}
		return nil, fmt.Errorf("not a roster plan file: %v", d.err)
	}
	if len(version) == 0 || string(version) == "null" {
		return nil, errors.New(`not a roster plan file: it has no "roster_plan" version`)
	}
	v, err := strconv.ParseUint(string(version), 10, 32)
	if err != nil || v == 0 {
		return nil, fmt.Errorf("not a roster plan file: roster_plan is %s, expected a version number", truncate(string(version)))
	}
	if v > FileVersion {
		return nil, fmt.Errorf("plan file was made by a newer roster (plan file version %d; this roster reads version %d); upgrade roster, or make a new plan with roster plan --out", v, FileVersion)
	}
	if digest == nil {
		return nil, errors.New(`not a roster plan file: it has no "digest"`)
	}
	if planStart < 0 || string(data[planStart:planEnd]) == "null" {
		return nil, errors.New(`not a roster plan file: it has no "plan"`)
	}
	body := data[planStart:planEnd]
	sum := sha256.Sum256(body)
	if *digest != "sha256:"+hex.EncodeToString(sum[:]) {
		return nil, ErrModified
	}
	p, err := decodePlan(body)
	if err != nil {
		return nil, fmt.Errorf("plan file is damaged: %v; make a new plan with roster plan --out", err)
	}
	p.Signature = sig
	return p, nil
}

// signature reads the file's signature member; null reads as none.
func (d *jdec) signature() *Signature {
	if d.null() || !d.enterObject("signature") {
		return nil
	}
	sig := &Signature{}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "key_id":
			sig.KeyID, _ = d.str("key_id")
		case "value":
			sig.Value, _ = d.str("value")
		default:
			d.skip()
		}
	}
	return sig
}

var knownRisks = func() map[string]Risk {
	m := map[string]Risk{}
	for _, r := range RiskOrder {
		m[string(r)] = r
	}
	return m
}()

// planDec reads the plan member.
type planDec struct {
	jdec
	attrs  []pendingAttr  // reused between objects
	values map[string]any // interned attribute values, boxed once
}

type pendingAttr struct {
	name string
	v    any
}

// attrNames interns attribute names: every name any kind has.
var attrNames = func() map[string]string {
	m := map[string]string{}
	for _, names := range model.AttrNames {
		for _, n := range names {
			m[n] = n
		}
	}
	return m
}()

// decodePlan reads the plan member, checking every address, attribute,
// action and risk.
func decodePlan(data []byte) (*Plan, error) {
	d := &planDec{jdec: jdec{b: data}, values: map[string]any{}}
	p := &Plan{}
	var createdAt, now *string
	if d.enterObject("the plan") {
		for first := true; ; {
			key, more := d.nextKey(&first)
			if !more {
				break
			}
			switch string(key) {
			case "created_at":
				s, _ := d.str("created_at")
				createdAt = &s
			case "now":
				s, _ := d.str("now")
				now = &s
			case "lineage":
				p.Lineage, _ = d.str("lineage")
			case "serial":
				_, p.Serial, _ = d.integer("serial", false, 64)
			case "config_digest":
				p.ConfigDigest, _ = d.str("config_digest")
			case "allow_mass_removal":
				p.AllowMassRemoval, _ = d.boolean("allow_mass_removal")
			case "reinvite":
				p.Reinvite, _ = d.boolean("reinvite")
			case "commit":
				p.Commit, _ = d.str("commit")
			case "change_request":
				p.ChangeRequest, _ = d.str("change_request")
			case "drift":
				p.Drift = p.Drift[:0]
				d.enterArray("drift")
				for first := true; d.nextElem(&first); {
					p.Drift = append(p.Drift, d.drift(len(p.Drift)+1))
				}
			case "changes":
				p.Changes = p.Changes[:0]
				d.enterArray("changes")
				for first := true; d.nextElem(&first); {
					p.Changes = append(p.Changes, Change{})
					d.change(len(p.Changes), &p.Changes[len(p.Changes)-1])
				}
			case "follow_ups":
				p.FollowUps = p.FollowUps[:0]
				d.enterArray("follow_ups")
				for first := true; d.nextElem(&first); {
					p.FollowUps = append(p.FollowUps, d.followUp(len(p.FollowUps)+1))
				}
			case "manual":
				p.Manual = p.Manual[:0]
				d.enterArray("manual")
				for first := true; d.nextElem(&first); {
					p.Manual = append(p.Manual, d.manual(len(p.Manual)+1))
				}
			case "cost":
				p.Cost = p.Cost[:0]
				d.enterArray("cost")
				for first := true; d.nextElem(&first); {
					p.Cost = append(p.Cost, d.cost())
				}
			case "seen":
				p.Seen = p.Seen[:0]
				d.enterArray("seen")
				for first := true; d.nextElem(&first); {
					p.Seen = append(p.Seen, d.seen(len(p.Seen)+1))
				}
			default:
				d.skip()
			}
		}
	}
	if !d.end() {
		return nil, d.err
	}
	var err error
	if p.CreatedAt, err = decodeTime("created_at", createdAt); err != nil {
		return nil, err
	}
	if p.Now, err = decodeTime("now", now); err != nil {
		return nil, err
	}
	// Empty lists read as nil, as Make leaves them.
	if len(p.Changes) == 0 {
		p.Changes = nil
	}
	if len(p.Drift) == 0 {
		p.Drift = nil
	}
	if len(p.FollowUps) == 0 {
		p.FollowUps = nil
	}
	if len(p.Manual) == 0 {
		p.Manual = nil
	}
	if len(p.Cost) == 0 {
		p.Cost = nil
	}
	if len(p.Seen) == 0 {
		p.Seen = nil
	}
	return p, nil
}

func decodeTime(name string, s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, fmt.Errorf("%s is missing", name)
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", name, truncate(*s))
	}
	return t.UTC(), nil
}

// where names an element in messages: "change 3 (member/acme/bob@acme.com)".
func where(what string, n int, addr string) string {
	if addr == "" {
		return fmt.Sprintf("%s %d", what, n)
	}
	return fmt.Sprintf("%s %d (%s)", what, n, addr)
}

// address reads an address string. When it equals hintStr, hint is the
// parsed address, which saves parsing it again. Errors name the element
// (what n) and, for an object, its side.
func (d *planDec) address(what string, n int, side, hintStr string, hint model.Address) (string, model.Address) {
	if d.peek() != '"' {
		d.typeErr("address", "a string")
		return "", model.Address{}
	}
	b, ok := d.strBytes()
	if !ok {
		return "", model.Address{}
	}
	if hintStr != "" && string(b) == hintStr {
		return hintStr, hint
	}
	s := string(b)
	a, err := model.ParseAddress(s)
	if err != nil {
		if side != "" {
			d.failf("%s: %s: %v", where(what, n, hintStr), side, err)
		} else {
			d.failf("%s: %v", where(what, n, ""), err)
		}
		return "", model.Address{}
	}
	return s, a
}

// attrValue reads an attribute's value as SetAttr takes it; strings are
// interned, since roles, statuses, expiries and reasons repeat.
func (d *planDec) attrValue() any {
	if d.peek() == '"' {
		b, ok := d.strBytes()
		if !ok {
			return nil
		}
		if v, ok := d.values[string(b)]; ok {
			return v
		}
		var v any = string(b)
		if len(d.values) < 1<<16 {
			d.values[string(b)] = v
		}
		return v
	}
	v, _ := d.anyValue()
	return v
}

// readObject reads an object as model.Object's JSON writes it, or null.
func (d *planDec) readObject(what string, n int, side, hintStr string, hint model.Address) *model.Object {
	if d.null() || !d.ok() {
		return nil
	}
	d.attrs = d.attrs[:0]
	var addrStr string
	var addr model.Address
	connected := false
	if d.enterObject(side) {
		for first := true; ; {
			key, more := d.nextKey(&first)
			if !more {
				break
			}
			switch string(key) {
			case "address":
				addrStr, addr = d.address(what, n, side, hintStr, hint)
			case "attrs":
				if d.null() {
					continue
				}
				d.enterObject(side + " attrs")
				for first := true; ; {
					key, more := d.nextKey(&first)
					if !more {
						break
					}
					name, ok := attrNames[string(key)]
					if !ok {
						name = string(key)
					}
					d.attrs = append(d.attrs, pendingAttr{name, d.attrValue()})
				}
			case "connected":
				switch v := d.attrValue().(type) {
				case bool:
					connected = v
				case nil:
				default:
					d.failf("%s: %s: connected is not a bool", where(what, n, hintStr), side)
					return nil
				}
			default:
				d.skip()
			}
		}
	}
	if !d.ok() {
		return nil
	}
	if addrStr == "" {
		d.failf("%s: %s has no address", where(what, n, hintStr), side)
		return nil
	}
	o := &model.Object{Addr: addr, Connected: connected}
	for _, a := range d.attrs {
		if err := o.SetAttr(a.name, a.v); err != nil {
			d.failf("%s: %s: %v", where(what, n, hintStr), side, err)
			return nil
		}
	}
	return o
}

// checkAt checks that an object read as before or after is at the
// element's address.
func (d *planDec) checkAt(what string, n int, addrStr, side string, o *model.Object, addr model.Address) bool {
	if o != nil && o.Addr != addr {
		return d.failf("%s: %s is the object %s, not %s", where(what, n, addrStr), side, o.Addr, addr)
	}
	return true
}

func (d *planDec) change(n int, c *Change) {
	var addrStr string
	var action []byte
	var risks []Risk
	if !d.enterObject("a change") {
		return
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "address":
			addrStr, c.Addr = d.address("change", n, "", "", model.Address{})
		case "action":
			if d.peek() != '"' {
				d.typeErr("action", "a string")
				break
			}
			action, _ = d.strBytes()
		case "before":
			c.Before = d.readObject("change", n, "before", addrStr, c.Addr)
		case "after":
			c.After = d.readObject("change", n, "after", addrStr, c.Addr)
		case "risks":
			risks = risks[:0]
			d.enterArray("risks")
			for first := true; d.nextElem(&first); {
				if d.peek() != '"' {
					d.typeErr("a risk", "a string")
					break
				}
				b, ok := d.strBytes()
				if !ok {
					break
				}
				r, known := knownRisks[string(b)]
				if !known {
					d.failf("%s: unknown risk %q", where("change", n, addrStr), truncate(string(b)))
					break
				}
				if slices.Contains(risks, r) {
					d.failf("%s: risk %q is listed twice", where("change", n, addrStr), r)
					break
				}
				risks = append(risks, r)
			}
		case "why":
			c.Why, _ = d.str("why")
			c.Reason = ReasonOf(c.Why)
		default:
			d.skip()
		}
	}
	if !d.ok() {
		return
	}
	if addrStr == "" {
		d.failf("%s: it has no address", where("change", n, ""))
		return
	}
	if !d.checkAt("change", n, addrStr, "before", c.Before, c.Addr) || !d.checkAt("change", n, addrStr, "after", c.After, c.Addr) {
		return
	}
	at := func() string { return where("change", n, addrStr) }
	switch string(action) {
	case string(Create):
		c.Action = Create
		if c.Before != nil || c.After == nil {
			d.failf("%s: a create has no before and has an after", at())
		}
	case string(Update):
		c.Action = Update
		if c.Before == nil || c.After == nil {
			d.failf("%s: an update has both a before and an after", at())
		}
	case string(Delete):
		c.Action = Delete
		if c.Before == nil || c.After != nil {
			d.failf("%s: a delete has a before and no after", at())
		}
	default:
		d.failf("%s: unknown action %q; expected create, update or delete", at(), truncate(string(action)))
	}
	if len(risks) > 0 {
		c.Risks = slices.Clip(risks)
	}
}

func (d *planDec) drift(n int) Drift {
	var x Drift
	var addrStr string
	if !d.enterObject("a drift") {
		return x
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "address":
			addrStr, x.Addr = d.address("drift", n, "", "", model.Address{})
		case "before":
			x.Before = d.readObject("drift", n, "before", addrStr, x.Addr)
		case "after":
			x.After = d.readObject("drift", n, "after", addrStr, x.Addr)
		default:
			d.skip()
		}
	}
	switch {
	case !d.ok():
	case addrStr == "":
		d.failf("%s: it has no address", where("drift", n, ""))
	case !d.checkAt("drift", n, addrStr, "before", x.Before, x.Addr) || !d.checkAt("drift", n, addrStr, "after", x.After, x.Addr):
	case x.Before == nil && x.After == nil:
		d.failf("%s: neither before nor after is set", where("drift", n, addrStr))
	}
	return x
}

func (d *planDec) seen(n int) Seen {
	var x Seen
	var addrStr string
	if !d.enterObject("a seen object") {
		return x
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "address":
			addrStr, x.Addr = d.address("seen", n, "", "", model.Address{})
		case "object":
			x.Object = d.readObject("seen", n, "object", addrStr, x.Addr)
		case "undeclared":
			x.Undeclared, _ = d.boolean("undeclared")
		case "elsewhere":
			d.enterArray("elsewhere")
			for first := true; d.nextElem(&first); {
				e, _ := d.str("elsewhere")
				x.Elsewhere = append(x.Elsewhere, e)
			}
		default:
			d.skip()
		}
	}
	switch {
	case !d.ok():
	case addrStr == "":
		d.failf("%s: it has no address", where("seen", n, ""))
	case !d.checkAt("seen", n, addrStr, "object", x.Object, x.Addr):
	}
	return x
}

func (d *planDec) followUp(n int) FollowUp {
	var f FollowUp
	var addrStr string
	if !d.enterObject("a follow-up") {
		return f
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "address":
			addrStr, f.Site = d.address("follow-up", n, "", "", model.Address{})
		case "task":
			f.Task, _ = d.str("task")
		case "text":
			f.Text, _ = d.str("text")
		default:
			d.skip()
		}
	}
	switch {
	case !d.ok():
	case addrStr == "":
		d.failf("%s: it has no address", where("follow-up", n, ""))
	case f.Site.Kind != model.KindSite:
		d.failf("%s: %s is not a site address", where("follow-up", n, ""), addrStr)
	case f.Task == "":
		d.failf("%s: it has no task", where("follow-up", n, addrStr))
	}
	return f
}

func (d *planDec) manual(n int) Manual {
	var m Manual
	var addrStr string
	if !d.enterObject("a manual step") {
		return m
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "address":
			addrStr, m.Addr = d.address("manual step", n, "", "", model.Address{})
		case "task":
			m.Task, _ = d.str("task")
		case "change":
			m.Change, _ = d.str("change")
		case "text":
			m.Text, _ = d.str("text")
		default:
			d.skip()
		}
	}
	if d.ok() && addrStr == "" {
		d.failf("%s: it has no address", where("manual step", n, ""))
	}
	return m
}

func (d *planDec) cost() Cost {
	var c Cost
	optInt := func(name string) *int {
		if d.null() {
			return nil
		}
		v, _, _ := d.integer(name, true, strconv.IntSize)
		x := int(v)
		return &x
	}
	if !d.enterObject("a cost") {
		return c
	}
	for first := true; ; {
		key, more := d.nextKey(&first)
		if !more {
			break
		}
		switch string(key) {
		case "team":
			c.Team, _ = d.str("team")
		case "requests":
			v, _, _ := d.integer("requests", true, strconv.IntSize)
			c.Requests = int(v)
		case "budget_per_hour":
			c.BudgetPerHour = optInt("budget_per_hour")
		case "eta_seconds":
			c.ETASeconds = optInt("eta_seconds")
		default:
			d.skip()
		}
	}
	return c
}

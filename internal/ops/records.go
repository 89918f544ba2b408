package ops

import (
	"context"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// RecordFilter selects evidence records (evidence list): about a person
// (and the emails the person was moved from, by move records, so one
// history reads across both addresses), on a site (TEAM/SITE, or a site
// name in every team), of a team, at or after Since and before Until. The
// zero filter selects every record.
type RecordFilter struct {
	Person, Site, Team string
	Since, Until       time.Time
}

// Records calls fn with every evidence record the filter selects, in
// order, as stored and decoded. A record that cannot be read stops it.
func Records(ctx context.Context, env *Env, f RecordFilter, fn func(raw []byte, r *evidence.Record) error) error {
	st, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	f.Person = model.NormalizeEmail(f.Person)
	m := &matcher{RecordFilter: f}
	if f.Person != "" {
		if m.persons, err = personAliases(ctx, st, f.Person); err != nil {
			return StoreOrError(err)
		}
	}
	// fn's own errors (writing an export: a full disk, a closed pipe)
	// are not the state's, and come back as they are.
	var fnErr error
	err = records(ctx, st, func(raw []byte, r *evidence.Record) error {
		if m.match(r) {
			fnErr = fn(raw, r)
			return fnErr
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return StoreOrError(err)
}

// records reads every evidence record in order.
func records(ctx context.Context, st state.Store, fn func(raw []byte, r *evidence.Record) error) error {
	return state.EvidenceJSON(ctx, st, 1, func(rec state.EvidenceRecord) error {
		r, err := evidence.Decode(rec.JSON)
		if err == nil {
			err = evidence.Check(rec.JSON)
		}
		if err != nil {
			return errorf("evidence record %d cannot be read (%v); run roster evidence verify", rec.Seq, err)
		}
		return fn(rec.JSON, r)
	})
}

// matcher is a filter with the person's former emails.
type matcher struct {
	RecordFilter
	persons map[string]bool
}

func (f *matcher) match(r *evidence.Record) bool {
	addr, err := model.ParseAddress(r.Address)
	if err != nil {
		return f.Person == "" && f.Site == "" && f.Team == ""
	}
	if f.Person != "" && addr.Email != f.Person && !f.persons[addr.Email] {
		return false
	}
	if f.Team != "" && addr.Team != f.Team {
		return false
	}
	if f.Site != "" && !matchSite(f.Site, addr) {
		return false
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		t, err := time.Parse(time.RFC3339, r.Time)
		if err != nil {
			return false
		}
		if !f.Since.IsZero() && t.Before(f.Since) {
			return false
		}
		if !f.Until.IsZero() && !t.Before(f.Until) {
			return false
		}
	}
	return true
}

// matchSite reports whether addr is on the site named by spec: TEAM/SITE,
// or a bare site name that matches that site in every team.
func matchSite(spec string, addr model.Address) bool {
	if addr.Site == "" {
		return false
	}
	if team, site, ok := strings.Cut(spec, "/"); ok {
		return addr.Team == team && addr.Site == site
	}
	return addr.Site == spec
}

// personAliases finds the emails person was moved from, following the
// move records back (a chain of renames included); person is among them.
func personAliases(ctx context.Context, st state.Store, person string) (map[string]bool, error) {
	type move struct{ from, to string }
	var moves []move
	err := records(ctx, st, func(_ []byte, r *evidence.Record) error {
		from, ok := evidence.MovedFrom(r)
		if !ok || from.Email == "" {
			return nil
		}
		if to, err := model.ParseAddress(r.Address); err == nil && to.Email != "" && to.Email != from.Email {
			moves = append(moves, move{from.Email, to.Email})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	persons := map[string]bool{person: true}
	for i := len(moves) - 1; i >= 0; i-- {
		if persons[moves[i].to] {
			persons[moves[i].from] = true
		}
	}
	return persons, nil
}

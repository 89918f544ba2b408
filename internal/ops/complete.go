package ops

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state/pgstore"
)

// CompleteKind is what a command's argument names, for shell completion.
type CompleteKind uint8

// The kinds of argument completed.
const (
	// CompleteAddresses are the state's addresses.
	CompleteAddresses CompleteKind = iota
	// CompleteEmails are the people of the state and the configuration.
	CompleteEmails
	// CompleteTeams are the configuration's teams.
	CompleteTeams
	// CompleteCapabilities are the shared vocabulary's words.
	CompleteCapabilities
)

// Complete lists the values of kind that begin with prefix, sorted (an
// email's prefix in lower case). It reads the state and the
// configuration if it can and offers nothing from what it cannot:
// completion never reports an error into someone's shell, and never
// reads a state file that is not there yet.
func Complete(ctx context.Context, env *Env, kind CompleteKind, prefix string) []string {
	set := map[string]bool{}
	switch kind {
	case CompleteAddresses:
		for _, o := range env.storedObjects(ctx) {
			set[o.Addr.String()] = true
		}
	case CompleteEmails:
		prefix = strings.ToLower(prefix)
		for _, objs := range [][]*model.Object{env.storedObjects(ctx), env.declared()} {
			for _, o := range objs {
				if o.Addr.Email != "" {
					set[o.Addr.Email] = true
				}
			}
		}
	case CompleteTeams:
		for _, o := range env.declared() {
			if o.Addr.Kind == model.KindTeam {
				set[o.Addr.Team] = true
			}
		}
	case CompleteCapabilities:
		for _, c := range model.Vocabulary {
			set[string(c)] = true
		}
	}
	var out []string
	for s := range set {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// storedObjects are the state's objects, or none.
func (env *Env) storedObjects(ctx context.Context) []*model.Object {
	if !pgstore.IsURL(env.State) {
		if _, err := os.Stat(env.State); err != nil {
			return nil // no state yet
		}
	}
	snap, err := Snapshot(ctx, env)
	if err != nil {
		return nil
	}
	return snap.Objects
}

// declared are the configuration's objects, or none.
func (env *Env) declared() []*model.Object {
	if files, _ := filepath.Glob(filepath.Join(env.Dir, "*.hcl")); len(files) == 0 {
		return nil
	}
	res := config.Load(env.Dir)
	if res.Config == nil {
		return nil
	}
	return res.Config.Objects
}

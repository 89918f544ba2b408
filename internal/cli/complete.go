package cli

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

// Shell completion of arguments (cobra's __complete): addresses for the
// commands that take them, emails for access, capabilities for who-can and
// team names for import. Completion reads the state and the configuration
// if it can and offers nothing if it cannot: it never prints an error into
// someone's shell.

type completer func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completeOnce completes the first argument only.
func completeOnce(f func(toComplete string) []string) completer {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeEach completes every argument.
func completeEach(f func(toComplete string) []string) completer {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return f(toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// storedObjects reads the state's objects, or none.
func (a *app) storedObjects() []*model.Object {
	if a.state == "" && os.Getenv("ROSTER_STATE") == "" {
		if _, err := os.Stat(a.statePath()); err != nil {
			return nil // no state yet: do not create one while completing
		}
	}
	snap, err := ops.Snapshot(context.Background(), a.env())
	if err != nil {
		return nil
	}
	return snap.Objects
}

// declared reads the configuration's objects, or none.
func (a *app) declared() []*model.Object {
	if files, _ := filepath.Glob(filepath.Join(a.dir(), "*.hcl")); len(files) == 0 {
		return nil
	}
	res := config.Load(a.dir())
	if res.Config == nil {
		return nil
	}
	return res.Config.Objects
}

func matching(set map[string]bool, prefix string) []string {
	var out []string
	for s := range set {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// addresses are the state's addresses.
func (a *app) addresses(prefix string) []string {
	set := map[string]bool{}
	for _, o := range a.storedObjects() {
		set[o.Addr.String()] = true
	}
	return matching(set, prefix)
}

// emails are the people of the state and the configuration.
func (a *app) emails(prefix string) []string {
	set := map[string]bool{}
	for _, objs := range [][]*model.Object{a.storedObjects(), a.declared()} {
		for _, o := range objs {
			if o.Addr.Email != "" {
				set[o.Addr.Email] = true
			}
		}
	}
	return matching(set, strings.ToLower(prefix))
}

// teams are the configuration's teams.
func (a *app) teams(prefix string) []string {
	set := map[string]bool{}
	for _, o := range a.declared() {
		if o.Addr.Kind == model.KindTeam {
			set[o.Addr.Team] = true
		}
	}
	return matching(set, prefix)
}

// capabilities are the shared vocabulary's words.
func capabilities(prefix string) []string {
	set := map[string]bool{}
	for _, c := range model.Vocabulary {
		set[string(c)] = true
	}
	return matching(set, prefix)
}

package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/model"
)

// stateEditCommand is `state mv FROM TO` (args 2) or `state rm ADDRESS`
// (args 1): a rename or a forgetting by hand, under the state lock, with
// evidence (language.md "moved").
func (a *app) stateEditCommand(use, short string, args int) *cobra.Command {
	c := newCommand(use, short)
	c.Args = cobra.ExactArgs(args)
	c.ValidArgsFunction = completeOnce(a.addresses)
	var actor string
	var lockTimeout time.Duration
	c.Flags().StringVar(&actor, "actor", "", "who did it (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	c.RunE = func(cmd *cobra.Command, argv []string) error {
		ctx := cmd.Context()
		addrs := make([]model.Address, len(argv))
		for i, s := range argv {
			a, err := model.ParseAddress(s)
			if err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
			addrs[i] = a
		}
		if err := checkSigner(); err != nil {
			return err
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		lock, err := st.Lock(ctx, "state "+c.Name(), lockTimeout)
		if err != nil {
			return storeError(err)
		}
		defer lock.Unlock()
		snap, err := a.snapshot(ctx, st)
		if err != nil {
			return err
		}
		meta := apply.Meta{Actor: firstNonEmpty(actor, envActor()), Time: time.Now().UTC(), Sign: signFunc()}
		var res *apply.Result
		if args == 2 {
			res, err = apply.StateMove(ctx, st, snap, addrs[0], addrs[1], meta)
		} else {
			res, err = apply.StateForget(ctx, st, snap, addrs[0], meta)
		}
		var refused *apply.RefusedError
		if errors.As(err, &refused) {
			return &exitCode{code: ExitError, msg: refused.Msg}
		}
		if err != nil {
			return storeOrExit(err)
		}
		what := "Moved " + addrs[0].String() + " to " + addrs[len(addrs)-1].String()
		if args == 1 {
			what = "Forgot " + addrs[0].String() + " (state only; nothing changed on the platform)"
		}
		fmt.Fprintf(a.stdout, "%s. Evidence: %d records, head %s.\n", what, res.Records, res.Head)
		return nil
	}
	return c
}

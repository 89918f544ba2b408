package cli

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) importCommand() *cobra.Command {
	c := newCommand("import TEAM", "Write declarations for a team's existing access, from its platform or a spreadsheet")
	c.Long = `import reads the access a team already has and writes the HCL declarations a
person would write for it, for every member, guest, group, grant and site the
configuration does not declare yet, to imported_TEAM.hcl in the configuration
directory (or --out FILE; it never overwrites a file). It records what it
declared in the state, with one evidence record each (action import), so the
next plan shows no change for it.

Without --csv the team must be connected: import reads its live access from
the platform's API. With --csv FILE it reads a spreadsheet instead, for any
team: a header row naming the columns email, site (empty for a team-wide
role), role, and optionally expires, ticket and reason, in any order.

People the configuration already declares are never rewritten: where their
access differs, import lists it for you to decide. If the policy would refuse
the declarations, import writes the file with a comment on each refused block,
records nothing, and exits 1.`
	c.ValidArgsFunction = a.completeOnce(ops.CompleteTeams)
	c.Args = func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return &exitCode{code: ExitError, msg: "name the one team to import: roster import TEAM (or roster import TEAM --csv FILE for a spreadsheet)"}
		}
		return nil
	}
	var req ops.ImportRequest
	c.Flags().StringVar(&req.Out, "out", "", "write the declarations to FILE (default: imported_TEAM.hcl in the configuration directory)")
	c.Flags().StringVar(&req.CSV, "csv", "", "read the access from a CSV sheet instead of the platform")
	c.Flags().StringVar(&req.Actor, "actor", "", "who imports, for the evidence (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&req.LockTimeout, "lock-timeout", 0, "how long to wait for the state lock (default 0s: one try, no wait)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		now, err := a.now()
		if err != nil {
			return err
		}
		req.Team, req.Now = args[0], now
		res, err := ops.Import(ctx, a.env(), req)
		if res != nil {
			a.showImport(res)
		}
		return err
	}
	return c
}

// showImport prints what an import found and did.
func (a *app) showImport(res *ops.ImportResult) {
	w := a.stdout
	if res.Outcome == ops.ImportFinished {
		fmt.Fprintf(w, "Finished an import that was interrupted after it was recorded in the state (serial %d): wrote %s.\n", res.Serial, res.Out)
		return
	}
	found := res.Found
	if len(found.Drift) > 0 {
		fmt.Fprintf(w, "Declared differently (import never rewrites declarations: if the %s is right, edit them; otherwise roster plan puts it back):\n", res.Source)
		for _, d := range found.Drift {
			fmt.Fprintf(w, "  %s\n", d)
		}
		fmt.Fprintln(w)
	}
	if len(found.Skipped) > 0 {
		fmt.Fprintln(w, "Not imported:")
		for _, s := range found.Skipped {
			fmt.Fprintf(w, "  %s\n", s)
		}
		fmt.Fprintln(w)
	}
	rec := res.Recorded
	switch res.Outcome {
	case ops.ImportNothing:
		fmt.Fprintln(w, "Nothing to import.")
		if rec != nil {
			fmt.Fprintf(w, "Recorded %s: %s. Evidence: %d records, head %s.\n", plural(rec.Applied, "object", "objects"), res.RecordedWhat, rec.Records, rec.Head)
		}
		return
	case ops.ImportRefused:
		fmt.Fprintf(w, "Wrote %s: %s.\n", res.Out, found.Summary())
		fmt.Fprintf(w, "The policy refuses it (%s), so nothing was recorded in the state.\n", strings.Join(res.PolicyRules, ", "))
		if res.Annotated {
			fmt.Fprintf(w, "Each refused block in %s has a comment saying why: edit those blocks as the policy asks, then run roster plan; apply then records the access.\n", res.Out)
		} else {
			fmt.Fprintf(w, "The policy's objections are to other files of the configuration (see above): fix them, then run roster plan; apply then records the access.\n")
		}
		return
	case ops.ImportWritten:
		fmt.Fprintf(w, "Wrote %s: %s.\n", res.Out, found.Summary())
		fmt.Fprintf(w, "Team %s is connected, so nothing from the sheet is recorded in the state: the next plan compares these declarations with the platform's live access, and apply adopts what matches.\n", res.Team)
	case ops.ImportRecorded:
		fmt.Fprintf(w, "Wrote %s: %s.\n", res.Out, found.Summary())
		fmt.Fprintf(w, "Recorded %s in the state. Evidence: %d records, head %s.\n", plural(rec.Applied, "object", "objects"), rec.Records, rec.Head)
	default: // stopped before anything was written
		return
	}
	if !res.InDir {
		fmt.Fprintf(w, "Move %s into the configuration directory (%s) as a *.hcl file before you plan: roster reads only the *.hcl files there, and until then the plan removes the access it declares.\n", res.Out, res.Dir)
	} else {
		fmt.Fprintln(w, "Review the file, then run roster plan: it shows no change for what was imported.")
	}
}

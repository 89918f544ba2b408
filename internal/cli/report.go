package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/report"
)

// reviewFlags are review's options.
type reviewFlags struct {
	format   string
	within   int
	out      string
	attest   bool
	reviewer string
	note     string
	from     string
	lockWait time.Duration
}

func (a *app) reviewCommand() *cobra.Command {
	c := newCommand("review", "The access review: everyone with access, flagged rows first; --attest signs it off")
	c.Long = `review reports everyone with access in the state, per team, with what
needs attention flagged first, and when each team was last reviewed (a team
not reviewed for more than 90 days is flagged not_reviewed_90_days).

--format html writes one self-contained page (no scripts, nothing loaded
from elsewhere) with a chart of access by role per site; give --out FILE.

--attest --reviewer EMAIL [--note TEXT] signs the review off: it records
one evidence record per team reviewed (action review, address team/NAME)
holding the reviewer, the note, the time and the digest of the review's
JSON ("sha256:…" of exactly what review --format json prints in the same
run), and, when $ROSTER_SIGNING_KEY is set, a signed checkpoint. The review
is printed as usual; the sign-off's summary goes to standard error. With
--out FILE the file written is the one attested: it shows the digest, which
is the sha256 of the file with the digest's hex written as zeros. --from
FILE attests a review saved earlier as it is (its sha256, and the serial it
states). A --now later than the wall clock is refused.`
	c.Args = cobra.NoArgs
	var f reviewFlags
	c.Flags().StringVar(&f.format, "format", "markdown", "markdown, csv, json or html")
	c.Flags().IntVar(&f.within, "expiring-within", report.DefaultExpiringWithinDays, "flag access expiring within this many days")
	c.Flags().StringVar(&f.out, "out", "", "write the review to FILE instead of standard output")
	c.Flags().BoolVar(&f.attest, "attest", false, "sign the review off: record who reviewed it, in the evidence")
	c.Flags().StringVar(&f.reviewer, "reviewer", "", "with --attest: the email of the person signing the review off")
	c.Flags().StringVar(&f.note, "note", "", "with --attest: a note kept with the sign-off")
	c.Flags().StringVar(&f.from, "from", "", "with --attest: sign off a review saved earlier (review --format F --out FILE) instead of a new one")
	c.Flags().DurationVar(&f.lockWait, "lock-timeout", 0, "with --attest: how long to wait for the state lock (default 0s: one try, no wait)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		switch f.format {
		case "markdown", "csv", "json", "html":
		default:
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected markdown, csv, json or html", f.format)}
		}
		if f.within < 1 {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --expiring-within %d: give a number of days, 1 or more", f.within)}
		}
		if !f.attest && f.from != "" {
			return &exitCode{code: ExitError, msg: "--from goes with --attest (roster review --attest --reviewer EMAIL --from FILE)"}
		}
		if !f.attest && (f.reviewer != "" || f.note != "") {
			return &exitCode{code: ExitError, msg: "--reviewer and --note go with --attest (roster review --attest --reviewer EMAIL)"}
		}
		if !f.attest && cmd.Flags().Changed("lock-timeout") {
			return &exitCode{code: ExitError, msg: "--lock-timeout goes with --attest: a review alone only reads, and never waits for a writer"}
		}
		now, err := a.now()
		if err != nil {
			return err
		}
		if f.attest {
			return a.attest(cmd.Context(), f, now)
		}
		doc, err := ops.Review(cmd.Context(), a.env(), ops.ReviewRequest{
			Now: now, Within: f.within, Out: f.out, Stdout: a.stdout,
			Render: func(w io.Writer, doc *report.ReviewDoc) error { return writeReview(w, doc, f.format) },
		})
		if err != nil || f.out != "" {
			return err
		}
		return writeReview(a.stdout, doc, f.format)
	}
	return c
}

// attest signs the review off (review --attest) and says so on standard
// error; the review itself goes to standard output or --out.
func (a *app) attest(ctx context.Context, f reviewFlags, now time.Time) error {
	res, err := ops.Attest(ctx, a.env(), ops.AttestRequest{
		Reviewer: f.reviewer, Note: f.note, From: f.from, Out: f.out, Format: f.format, Within: f.within,
		Now: now, NowGiven: a.nowFlag, Stdout: a.stdout, LockTimeout: f.lockWait,
		Render: func(w io.Writer, doc *report.ReviewDoc) error { return writeReview(w, doc, f.format) },
	})
	if err != nil {
		return err
	}
	if _, err := a.stdout.Write(res.Shown); err != nil {
		return err
	}
	signed := ""
	if res.KeyID != "" {
		signed = fmt.Sprintf(" Checkpoint signed with key %s.", res.KeyID)
	}
	fmt.Fprintf(a.stderr, "Review signed off by %s: %s, digest %s. Evidence: %s, head %s.%s\n",
		res.Reviewer, plural(res.Teams, "team", "teams"), res.Digest, plural(res.Records, "record", "records"), res.Head, signed)
	switch {
	case res.Saved != nil:
		fmt.Fprintf(a.stderr, "Attested %s (%s, made at state serial %d) as it is: its sha256 is the digest.\n", f.from, res.Saved.Format, res.Saved.Serial)
	case f.out != "":
		fmt.Fprintf(a.stderr, "Attested %s (%s), which shows the digest: it is %s.\n", f.out, f.format, report.AttestedDigestRule)
	}
	return nil
}

// writeReview writes doc in format.
func writeReview(w io.Writer, doc *report.ReviewDoc, format string) error {
	switch format {
	case "csv":
		return report.WriteReviewCSV(w, doc)
	case "json":
		return report.WriteReviewJSON(w, doc)
	case "html":
		return report.WriteReviewHTML(w, doc)
	}
	return report.WriteReviewMarkdown(w, doc)
}

func (a *app) accessCommand() *cobra.Command {
	c := newCommand("access EMAIL", "One person's access across every team and site, with capabilities")
	c.Args = cobra.ExactArgs(1)
	c.ValidArgsFunction = a.completeOnce(ops.CompleteEmails)
	var asJSON, fromLive bool
	parallelism := 4
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&fromLive, "live", false, "read every connected team and say where the platforms still show the person (exit 2 if anywhere, 1 if no team is connected)")
	c.Flags().Var((*parallelismValue)(&parallelism), "parallelism", "with --live: reads in flight")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email, err := model.ParseEmail(args[0])
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		now, err := a.now()
		if err != nil {
			return err
		}
		if fromLive {
			doc, err := ops.LiveAccess(cmd.Context(), a.env(), ops.LiveAccessRequest{Email: email, Now: now, Parallelism: parallelism})
			if err != nil {
				return err
			}
			if asJSON {
				err = report.WriteLiveAccessJSON(a.stdout, doc)
			} else {
				err = report.WriteLiveAccessText(a.stdout, doc)
			}
			if err != nil {
				return err
			}
			if len(doc.Access) > 0 { // the platforms still show the person
				return silentExit(ExitChanges)
			}
			if len(doc.TeamsRead) == 0 {
				// Nothing was read: an exit 0 would read as the proof that
				// the person is gone everywhere.
				return &exitCode{code: ExitError, msg: fmt.Sprintf("access --live read no platform (no team is connected), so it proves nothing; roster access %s shows what the state records", email)}
			}
			return nil
		}
		doc, err := ops.Access(cmd.Context(), a.env(), ops.AccessRequest{Now: now, Email: email})
		if err != nil {
			return err
		}
		if asJSON {
			return report.WriteAccessJSON(a.stdout, doc)
		}
		return report.WriteAccessText(a.stdout, doc)
	}
	return c
}

func (a *app) whoCanCommand() *cobra.Command {
	c := newCommand("who-can CAPABILITY", "Everyone holding a capability, and through which role")
	c.Args = cobra.ExactArgs(1)
	c.ValidArgsFunction = a.completeOnce(ops.CompleteCapabilities)
	var f report.WhoCanFilter
	var asJSON bool
	c.Flags().StringVar(&f.Team, "team", "", "only this team")
	c.Flags().StringVar(&f.Site, "site", "", "only this site (TEAM/SITE, or a site name in every team)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if !model.IsCapability(args[0]) || args[0] == string(model.Wildcard) {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("unknown capability %q; the capabilities are: %s", args[0], strings.TrimSuffix(model.VocabularyList(), ", *"))}
		}
		now, err := a.now()
		if err != nil {
			return err
		}
		doc, err := ops.WhoCan(cmd.Context(), a.env(), ops.WhoCanRequest{Now: now, Capability: model.Capability(args[0]), Filter: f})
		if err != nil {
			return err
		}
		if asJSON {
			return report.WriteWhoCanJSON(a.stdout, doc)
		}
		return report.WriteWhoCanText(a.stdout, doc)
	}
	return c
}

package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
	"github.com/roster-dev/roster/internal/state"
)

func init() {
	extraCommands = append(extraCommands, (*app).reviewCommand, (*app).accessCommand, (*app).whoCanCommand)
}

// reportInput reads what every report needs: the state, the platforms
// (built-in, and declared ones when the directory holds a configuration),
// the internal domains of its policy and, when since is wanted, when each
// access began and when each team was last reviewed, according to the
// evidence.
func (a *app) reportInput(cmd *cobra.Command, withSince bool) (report.Input, error) {
	st, err := a.openStore()
	if err != nil {
		return report.Input{}, err
	}
	defer st.Close()
	in, _, err := a.reportInputFrom(cmd, st, withSince)
	return in, err
}

// reportInputFrom is reportInput from an open store; it also returns the
// snapshot read.
func (a *app) reportInputFrom(cmd *cobra.Command, st state.Store, withSince bool) (report.Input, *state.Snapshot, error) {
	now, err := a.now()
	if err != nil {
		return report.Input{}, nil, err
	}
	in := report.Input{Now: now, Platforms: config.BuiltinPlatforms()}
	if files, _ := filepath.Glob(filepath.Join(a.dir(), "*.hcl")); len(files) > 0 {
		res, err := a.loadConfig()
		if err != nil {
			return in, nil, err
		}
		in.Platforms = res.Config.Platforms
		if res.Config.Policy != nil {
			in.InternalDomains = res.Config.Policy.InternalDomains
		}
	}
	snap, err := a.snapshot(cmd.Context(), st)
	if err != nil {
		return in, nil, err
	}
	in.Objects = snap.Objects
	if withSince {
		var recs []*evidence.Record
		err := st.Evidence(cmd.Context(), 1, func(rec state.EvidenceRecord) error {
			r, err := evidence.Decode(rec.JSON)
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("evidence record %d cannot be read (%v); run roster evidence verify", rec.Seq, err)}
			}
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			return in, nil, storeOrExit(err)
		}
		in.Since = report.SinceFromEvidence(recs)
		in.Reviews = report.ReviewsFromEvidence(recs)
		in.Changes = report.ChangesSinceReviews(recs, in.Reviews)
	}
	in.Serial = snap.Serial
	return in, snap, nil
}

// reviewFlags are review's options.
type reviewFlags struct {
	format   string
	within   int
	out      string
	attest   bool
	reviewer string
	note     string
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
is printed (or written to --out) as usual; the sign-off's summary goes to
standard error.`
	c.Args = cobra.NoArgs
	var f reviewFlags
	c.Flags().StringVar(&f.format, "format", "markdown", "markdown, csv, json or html")
	c.Flags().IntVar(&f.within, "expiring-within", report.DefaultExpiringWithinDays, "flag access expiring within this many days")
	c.Flags().StringVar(&f.out, "out", "", "write the review to FILE instead of standard output")
	c.Flags().BoolVar(&f.attest, "attest", false, "sign the review off: record who reviewed it, in the evidence")
	c.Flags().StringVar(&f.reviewer, "reviewer", "", "with --attest: the email of the person signing the review off")
	c.Flags().StringVar(&f.note, "note", "", "with --attest: a note kept with the sign-off")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		switch f.format {
		case "markdown", "csv", "json", "html":
		default:
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected markdown, csv, json or html", f.format)}
		}
		if f.within < 1 {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --expiring-within %d: give a number of days, 1 or more", f.within)}
		}
		if !f.attest && (f.reviewer != "" || f.note != "") {
			return &exitCode{code: ExitError, msg: "--reviewer and --note go with --attest (roster review --attest --reviewer EMAIL)"}
		}
		if f.attest {
			return a.attestReview(cmd, f)
		}
		in, err := a.reportInput(cmd, true)
		if err != nil {
			return err
		}
		doc := report.Review(in, report.ReviewOptions{ExpiringWithinDays: f.within})
		if f.out == "" {
			return writeReview(a.stdout, doc, f.format)
		}
		o, err := newOutFile(f.out)
		if err != nil {
			return err
		}
		defer o.discard()
		if err := writeReview(o.w, doc, f.format); err != nil {
			return o.fail(err)
		}
		return o.commit()
	}
	return c
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

// attestReview signs the review off (review --attest): under the writer's
// lock it reads the state, makes the review, records one evidence record
// per team with the digest of the review's JSON, and a checkpoint when a
// signing key is set, in one evidence-only commit (the serial does not
// move); then it writes the review.
func (a *app) attestReview(cmd *cobra.Command, f reviewFlags) error {
	ctx := cmd.Context()
	if f.reviewer == "" {
		return &exitCode{code: ExitError, msg: "--attest needs --reviewer EMAIL: the person signing the review off"}
	}
	reviewer, err := model.ParseEmail(f.reviewer)
	if err != nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --reviewer: %v", err)}
	}
	signer, err := checkpoint.SignerFromEnv()
	if err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	lock, err := st.Lock(ctx, "review", 0)
	if err != nil {
		return storeError(err)
	}
	defer lock.Unlock()

	in, snap, err := a.reportInputFrom(cmd, st, true)
	if err != nil {
		return err
	}
	at := time.Now().UTC().Truncate(time.Second)
	doc := report.Review(in, report.ReviewOptions{ExpiringWithinDays: f.within, GeneratedAt: at})
	if snap.Empty() || len(doc.Teams) == 0 {
		return &exitCode{code: ExitError, msg: "nothing to sign off: the state holds no team yet (apply first)"}
	}
	var js bytes.Buffer
	if err := report.WriteReviewJSON(&js, doc); err != nil {
		return err
	}
	digest := report.ReviewDigest(js.Bytes())

	// The review is written before the commit and shown after it: a
	// sign-off is never recorded for a review that could not be written.
	var o *outFile
	var shown bytes.Buffer
	w := io.Writer(&shown)
	if f.out != "" {
		if o, err = newOutFile(f.out); err != nil {
			return err
		}
		defer o.discard()
		w = o.w
	}
	if f.format == "json" {
		_, err = w.Write(js.Bytes())
	} else {
		err = writeReview(w, doc, f.format)
	}
	if err != nil {
		if o != nil {
			return o.fail(err)
		}
		return err
	}

	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return storeError(err)
	}
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial}
	commit, cr := envCommit(a.dir()), envChangeRequest()
	for _, r := range report.AttestRecords(doc, digest, reviewer, f.note, envActor(), at) {
		r.Commit, r.ChangeRequest = commit, cr
		r.PolicyDigest = a.policyDigest()
		sealed, err := chain.Seal(r)
		if err != nil {
			return err
		}
		cs.Evidence = append(cs.Evidence, sealed)
	}
	if signer != nil {
		var prev []byte
		if err := st.Checkpoints(ctx, func(_ uint64, raw []byte) error { prev = raw; return nil }); err != nil {
			return storeError(err)
		}
		raw, err := signer.SignAfter(prev, chain.Seq, chain.Hash, at)
		if err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("signing the checkpoint: %v", err)}
		}
		cs.Checkpoints = append(cs.Checkpoints, raw)
	}
	if _, err := st.Commit(ctx, cs); err != nil {
		return storeError(err)
	}

	if o != nil {
		if err := o.commit(); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("the sign-off is recorded, but %v", err)}
		}
	} else if _, err := a.stdout.Write(shown.Bytes()); err != nil {
		return err
	}
	signed := ""
	if signer != nil {
		signed = fmt.Sprintf(" Checkpoint signed with key %s.", signer.KeyID())
	}
	fmt.Fprintf(a.stderr, "Review signed off by %s: %s, digest %s. Evidence: %s, head %s.%s\n",
		reviewer, plural(len(doc.Teams), "team", "teams"), digest, plural(len(cs.Evidence), "record", "records"), chain.Hash, signed)
	return nil
}

// outFile is a file written beside its target and renamed over it when
// complete (mode 0600, like the evidence exports), so it is never seen
// half-written.
type outFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	done bool
}

func newOutFile(path string) (*outFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", path, err)}
	}
	return &outFile{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (o *outFile) fail(err error) error {
	return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", o.path, err)}
}

// commit flushes, closes and renames the file into place.
func (o *outFile) commit() error {
	err := o.w.Flush()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.f.Name(), o.path)
	}
	if err != nil {
		return o.fail(err)
	}
	o.done = true
	return nil
}

// discard removes the temporary file unless commit renamed it.
func (o *outFile) discard() {
	if !o.done {
		o.f.Close()
		os.Remove(o.f.Name())
	}
}

func (a *app) accessCommand() *cobra.Command {
	c := newCommand("access EMAIL", "One person's access across every team and site, with capabilities")
	c.Args = cobra.ExactArgs(1)
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email, err := model.ParseEmail(args[0])
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		in, err := a.reportInput(cmd, false)
		if err != nil {
			return err
		}
		doc := report.Access(in, email)
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
	var f report.WhoCanFilter
	var asJSON bool
	c.Flags().StringVar(&f.Team, "team", "", "only this team")
	c.Flags().StringVar(&f.Site, "site", "", "only this site (TEAM/SITE, or a site name in every team)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if !model.IsCapability(args[0]) || args[0] == string(model.Wildcard) {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("unknown capability %q; the capabilities are: %s", args[0], strings.TrimSuffix(model.VocabularyList(), ", *"))}
		}
		in, err := a.reportInput(cmd, false)
		if err != nil {
			return err
		}
		doc := report.WhoCan(in, model.Capability(args[0]), f)
		if asJSON {
			return report.WriteWhoCanJSON(a.stdout, doc)
		}
		return report.WriteWhoCanText(a.stdout, doc)
	}
	return c
}

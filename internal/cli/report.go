package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
	"github.com/roster-dev/roster/internal/state"
)

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
		in.Sponsors, in.People = report.SponsorsOf(res.Config), res.Config.People
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
	from     string
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
		o, err := newOutFile(a.context(), f.out, a.stdout)
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
	// A sign-off happens at the wall clock's time: a review judged at a
	// later moment would attest expiries nobody has seen yet.
	if a.nowFlag != "" {
		now, err := a.now()
		if err != nil {
			return err
		}
		if wall := time.Now().UTC(); now.After(wall) {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("--now %s is later than the wall clock (%s): a sign-off is recorded at the wall clock's time, so --attest refuses a future --now", a.nowFlag, evidence.FormatTime(wall))}
		}
	}
	if f.from != "" && f.out != "" {
		return &exitCode{code: ExitError, msg: "--from and --out contradict each other: --from signs off a review already written"}
	}
	var saved *savedReview
	if f.from != "" {
		if saved, err = readSavedReview(ctx, f.from); err != nil {
			return err
		}
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
	// What is attested: a review saved earlier (--from), the file written
	// now (--out: it shows its own digest), or the review JSON of this run.
	base := report.AttestedReview{Reviewer: reviewer, Format: "json", Serial: doc.Serial}
	var o *outFile
	var shown bytes.Buffer
	switch {
	case saved != nil:
		base.ReviewDigest, base.Format, base.Serial, base.From = saved.digest, saved.format, saved.serial, filepath.Base(f.from)
		doc = saved.doc(doc)
	case f.out != "":
		doc.Attestation = &report.Attestation{Reviewer: reviewer, Time: evidence.FormatTime(at), Format: f.format, Digest: report.PlaceholderDigest}
		var buf bytes.Buffer
		if err := writeReview(&buf, doc, f.format); err != nil {
			return err
		}
		sealed, digest, ok := report.SealAttested(buf.Bytes())
		if !ok {
			return fmt.Errorf("the %s review does not show its digest", f.format)
		}
		base.ReviewDigest, base.Format = digest, f.format
		// Written before the commit and renamed into place after it: a
		// sign-off is never recorded for a file that could not be written.
		if o, err = newOutFile(a.context(), f.out, a.stdout); err != nil {
			return err
		}
		defer o.discard()
		if _, err := o.w.Write(sealed); err != nil {
			return o.fail(err)
		}
	default:
		var js bytes.Buffer
		if err := report.WriteReviewJSON(&js, doc); err != nil {
			return err
		}
		base.ReviewDigest = report.ReviewDigest(js.Bytes())
		if f.format == "json" {
			shown.Write(js.Bytes())
		} else if err := writeReview(&shown, doc, f.format); err != nil {
			return err
		}
	}
	digest := base.ReviewDigest

	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return storeError(err)
	}
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial}
	commit, cr := envCommit(a.dir()), envChangeRequest()
	for _, r := range report.AttestRecordsOf(doc, base, f.note, envActor(), at) {
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
	switch {
	case saved != nil:
		fmt.Fprintf(a.stderr, "Attested %s (%s, made at state serial %d) as it is: its sha256 is the digest.\n", f.from, saved.format, saved.serial)
	case f.out != "":
		fmt.Fprintf(a.stderr, "Attested %s (%s), which shows the digest: it is %s.\n", f.out, f.format, report.AttestedDigestRule)
	}
	return nil
}

// outFile is an output written through fsx (mode 0600, never seen
// half-written, never replacing a device, FIFO or link), buffered.
type outFile struct {
	path string
	f    *fsx.File
	w    *bufio.Writer
}

func newOutFile(ctx context.Context, path string, stdout io.Writer) (*outFile, error) {
	f, err := fsx.Create(path, fsx.Options{Stdout: stdout, Context: ctx})
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: err.Error()}
	}
	return &outFile{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (o *outFile) fail(err error) error {
	return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", o.path, err)}
}

// commit flushes the output and puts it into place.
func (o *outFile) commit() error {
	if err := o.w.Flush(); err != nil {
		return o.fail(err)
	}
	if err := o.f.Commit(); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}

// discard removes the temporary file unless commit renamed it.
func (o *outFile) discard() { o.f.Discard() }

func (a *app) accessCommand() *cobra.Command {
	c := newCommand("access EMAIL", "One person's access across every team and site, with capabilities")
	c.Args = cobra.ExactArgs(1)
	c.ValidArgsFunction = completeOnce(a.emails)
	var asJSON, fromLive bool
	var parallelism int
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&fromLive, "live", false, "read every connected team and say where the platforms still show the person (exit 2 if anywhere)")
	c.Flags().IntVar(&parallelism, "parallelism", 4, "with --live: reads in flight")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		email, err := model.ParseEmail(args[0])
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		if fromLive {
			return a.accessLive(cmd.Context(), email, parallelism, asJSON)
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
	c.ValidArgsFunction = completeOnce(capabilities)
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

// savedReview is a review written earlier (review --format F --out FILE)
// to be signed off with --attest --from FILE: its format, the serial it
// states it was made at, its digest, and the teams it covers.
type savedReview struct {
	format string
	serial uint64
	digest string
	teams  []string
	parsed *report.ReviewDoc // JSON only
}

var (
	serialText = regexp.MustCompile(`state serial (\d+)[,)]`)
	mdTeam     = regexp.MustCompile(`(?m)^## Team (.+) \(`)
	htmlTeam   = regexp.MustCompile(`<section class="team" id="team-([^"]+)"`)
)

// readSavedReview reads a saved review; the format is the file's
// extension (.json, .md, .csv, .html). The file must state its serial
// and must not be attested already.
func readSavedReview(ctx context.Context, path string) (*savedReview, error) {
	data, err := fsx.ReadFile(ctx, path, 64<<20)
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("reading the review to sign off: %v", err)}
	}
	bad := func(format string, args ...any) error {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("review file %s: %s", path, fmt.Sprintf(format, args...))}
	}
	s := &savedReview{digest: report.ReviewDigest(data)}
	if bytes.Contains(data, []byte("Attested digest")) || bytes.Contains(data, []byte("# signed off")) {
		return nil, bad("it is attested already (it shows its digest); its sign-off is in the evidence")
	}
	found := false
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		s.format = "json"
		var raw map[string]json.RawMessage
		var doc report.ReviewDoc
		if err := json.Unmarshal(data, &raw); err != nil || json.Unmarshal(data, &doc) != nil {
			return nil, bad("not a review's JSON")
		}
		if _, ok := raw["serial"]; ok {
			found, s.serial = true, doc.Serial
		}
		if doc.Attestation != nil {
			return nil, bad("it is attested already (it shows its digest); its sign-off is in the evidence")
		}
		s.parsed = &doc
		for _, t := range doc.Teams {
			s.teams = append(s.teams, t.Team)
		}
	case ".md", ".markdown":
		s.format = "markdown"
		for _, m := range mdTeam.FindAllSubmatch(data, -1) {
			s.teams = append(s.teams, strings.ReplaceAll(string(m[1]), `\`, ""))
		}
	case ".html", ".htm":
		s.format = "html"
		for _, m := range htmlTeam.FindAllSubmatch(data, -1) {
			s.teams = append(s.teams, html.UnescapeString(string(m[1])))
		}
	case ".csv":
		s.format = "csv"
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) == 0 {
			return nil, bad("not a review's CSV")
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			if r[0] == "# serial" && len(r) > 1 {
				n, err := strconv.ParseUint(r[1], 10, 64)
				found, s.serial = err == nil, n
				continue
			}
			if !strings.HasPrefix(r[0], "# ") && !seen[r[0]] {
				seen[r[0]] = true
				s.teams = append(s.teams, r[0])
			}
		}
	default:
		return nil, bad("give a review saved as .json, .md, .csv or .html")
	}
	if s.format == "markdown" || s.format == "html" {
		if m := serialText.FindSubmatch(data); m != nil {
			n, err := strconv.ParseUint(string(m[1]), 10, 64)
			found, s.serial = err == nil, n
		}
	}
	if !found {
		return nil, bad("it does not state the serial it was made at; save the review with this roster (roster review --format %s --out FILE)", s.format)
	}
	if len(s.teams) == 0 {
		return nil, bad("it covers no team: nothing to sign off")
	}
	return s, nil
}

// doc is the review the sign-off records cover: the saved JSON itself, or
// for the other formats its teams (rows and findings are counted only
// from JSON).
func (s *savedReview) doc(current *report.ReviewDoc) *report.ReviewDoc {
	if s.parsed != nil {
		return s.parsed
	}
	d := &report.ReviewDoc{FormatVersion: current.FormatVersion, Serial: s.serial}
	for _, t := range s.teams {
		d.Teams = append(d.Teams, report.ReviewTeam{Team: t})
	}
	return d
}

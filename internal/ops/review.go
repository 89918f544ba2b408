package ops

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
	"github.com/roster-dev/roster/internal/state"
)

// ReportRequest asks for what the reports read: Since asks for when each
// access began and when each team was last reviewed (review).
type ReportRequest struct {
	Now   time.Time
	Since bool
}

// ReportInput reads what every report needs: the state, the platforms
// (built-in, and declared ones when the directory holds a configuration),
// the internal domains of its policy and, when since is wanted, when each
// access began and when each team was last reviewed, according to the
// evidence.
func ReportInput(ctx context.Context, env *Env, req ReportRequest) (report.Input, error) {
	st, err := env.open(ctx)
	if err != nil {
		return report.Input{}, err
	}
	defer st.Close()
	in, _, err := env.run(req.Now).reportInput(ctx, st, req.Since)
	return in, err
}

// reportInput is ReportInput from an open store; it also returns the
// snapshot read.
func (r *run) reportInput(ctx context.Context, st state.Store, withSince bool) (report.Input, *state.Snapshot, error) {
	in := report.Input{Now: r.now, Platforms: config.BuiltinPlatforms()}
	if files, _ := filepath.Glob(filepath.Join(r.Dir, "*.hcl")); len(files) > 0 {
		res, err := r.loadConfig()
		if err != nil {
			return in, nil, err
		}
		in.Platforms = res.Config.Platforms
		if res.Config.Policy != nil {
			in.InternalDomains = res.Config.Policy.InternalDomains
		}
		in.Sponsors, in.People = report.SponsorsOf(res.Config), res.Config.People
	}
	snap, err := snapshot(ctx, st)
	if err != nil {
		return in, nil, err
	}
	in.Objects = snap.Objects
	if withSince {
		var recs []*evidence.Record
		err := state.EvidenceJSON(ctx, st, 1, func(rec state.EvidenceRecord) error {
			r, err := evidence.Decode(rec.JSON)
			if err != nil {
				return errorf("evidence record %d cannot be read (%v); run roster evidence verify", rec.Seq, err)
			}
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			return in, nil, StoreOrError(err)
		}
		in.Since = report.SinceFromEvidence(recs)
		in.Reviews = report.ReviewsFromEvidence(recs)
		in.Changes = report.ChangesSinceReviews(recs, in.Reviews)
	}
	in.Serial = snap.Serial
	return in, snap, nil
}

// AttestRequest is a review sign-off (roster review --attest): the
// reviewer and a note; the review's format, its expiring-within days and
// how it is rendered; Out, the file to write it to (From: a review saved
// earlier, attested as it is). NowGiven is --now as given ("" when the
// wall clock rules), Stdout where a file named "-" goes; LockTimeout how
// long to wait for the writer's lock.
type AttestRequest struct {
	Reviewer string
	Note     string
	From     string
	Out      string
	Format   string
	Within   int
	Now      time.Time
	NowGiven string
	Render   func(io.Writer, *report.ReviewDoc) error
	Stdout   io.Writer

	LockTimeout time.Duration
}

// AttestResult is what a sign-off recorded: who, how many teams, the
// review's digest, the evidence (records, head) and the key that signed
// the checkpoint ("" when none). Shown is the review to print (nil when
// it went to a file); Saved the review saved earlier that was attested.
type AttestResult struct {
	Reviewer string
	Teams    int
	Digest   string
	Records  int
	Head     string
	KeyID    string
	Shown    []byte
	Saved    *SavedReview
}

// Attest signs the review off (review --attest): under the writer's
// lock it reads the state, makes the review, records one evidence record
// per team with the digest of the review's JSON, and a checkpoint when a
// signing key is set, in one evidence-only commit (the serial does not
// move); then it writes the review.
func Attest(ctx context.Context, env *Env, f AttestRequest) (*AttestResult, error) {
	if f.Reviewer == "" {
		return nil, &Error{Msg: "--attest needs --reviewer EMAIL: the person signing the review off"}
	}
	reviewer, err := model.ParseEmail(f.Reviewer)
	if err != nil {
		return nil, errorf("invalid --reviewer: %v", err)
	}
	// A sign-off happens at the wall clock's time: a review judged at a
	// later moment would attest expiries nobody has seen yet.
	if f.NowGiven != "" {
		if wall := time.Now().UTC(); f.Now.After(wall) {
			return nil, errorf("--now %s is later than the wall clock (%s): a sign-off is recorded at the wall clock's time, so --attest refuses a future --now", f.NowGiven, evidence.FormatTime(wall))
		}
	}
	if f.From != "" && f.Out != "" {
		return nil, &Error{Msg: "--from and --out contradict each other: --from signs off a review already written"}
	}
	var saved *SavedReview
	if f.From != "" {
		if saved, err = readSavedReview(ctx, f.From); err != nil {
			return nil, err
		}
	}
	signer, err := checkpoint.SignerFromEnv()
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	unlock, err := lockState(ctx, st, "review", f.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()

	r := env.run(f.Now)
	in, snap, err := r.reportInput(ctx, st, true)
	if err != nil {
		return nil, err
	}
	at := time.Now().UTC().Truncate(time.Second)
	doc := report.Review(in, report.ReviewOptions{ExpiringWithinDays: f.Within, GeneratedAt: at})
	if snap.Empty() || len(doc.Teams) == 0 {
		return nil, &Error{Msg: "nothing to sign off: the state holds no team yet (apply first)"}
	}
	// What is attested: a review saved earlier (--from), the file written
	// now (--out: it shows its own digest), or the review JSON of this run.
	base := report.AttestedReview{Reviewer: reviewer, Format: "json", Serial: doc.Serial}
	var o *OutFile
	var shown bytes.Buffer
	switch {
	case saved != nil:
		// The next review lists the changes recorded after this sign-off,
		// not after the serial the file was made at: a change in between
		// would read as reviewed though nobody saw it.
		if saved.Serial != doc.Serial {
			return nil, errorf("%s was made at state serial %d, and the state has changed since (serial %d now): a sign-off of it would cover access it does not show. Save the review again (roster review --format %s --out FILE), read it, and sign that off", f.From, saved.Serial, doc.Serial, saved.Format)
		}
		base.ReviewDigest, base.Format, base.Serial, base.From = saved.Digest, saved.Format, saved.Serial, filepath.Base(f.From)
		doc = savedDoc(saved, doc)
	case f.Out != "":
		doc.Attestation = &report.Attestation{Reviewer: reviewer, Time: evidence.FormatTime(at), Format: f.Format, Digest: report.PlaceholderDigest}
		var buf bytes.Buffer
		if err := f.Render(&buf, doc); err != nil {
			return nil, err
		}
		sealed, digest, ok := report.SealAttested(buf.Bytes())
		if !ok {
			return nil, fmt.Errorf("the %s review does not show its digest", f.Format)
		}
		base.ReviewDigest, base.Format = digest, f.Format
		// Written before the commit and renamed into place after it: a
		// sign-off is never recorded for a file that could not be written.
		if o, err = createOut(ctx, f.Out, f.Stdout); err != nil {
			return nil, err
		}
		defer o.Discard()
		if _, err := o.Write(sealed); err != nil {
			return nil, o.Fail(err)
		}
	default:
		var js bytes.Buffer
		if err := report.WriteReviewJSON(&js, doc); err != nil {
			return nil, err
		}
		base.ReviewDigest = report.ReviewDigest(js.Bytes())
		if f.Format == "json" {
			shown.Write(js.Bytes())
		} else if err := f.Render(&shown, doc); err != nil {
			return nil, err
		}
	}
	digest := base.ReviewDigest

	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return nil, StoreError(err)
	}
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial}
	commit, cr := envCommit(r.Dir), envChangeRequest()
	for _, rec := range report.AttestRecordsOf(doc, base, f.Note, envActor(), at) {
		rec.Commit, rec.ChangeRequest = commit, cr
		rec.PolicyDigest = r.policyDigest()
		sealed, err := chain.Seal(rec)
		if err != nil {
			return nil, err
		}
		cs.Evidence = append(cs.Evidence, sealed)
	}
	if signer != nil {
		var prev []byte
		if err := st.Checkpoints(ctx, func(_ uint64, raw []byte) error { prev = raw; return nil }); err != nil {
			return nil, StoreError(err)
		}
		raw, err := signer.SignAfter(prev, chain.Seq, chain.Hash, at)
		if err != nil {
			return nil, errorf("signing the checkpoint: %v", err)
		}
		cs.Checkpoints = append(cs.Checkpoints, raw)
	}
	if _, err := st.Commit(ctx, cs); err != nil {
		return nil, StoreError(err)
	}

	res := &AttestResult{Reviewer: reviewer, Teams: len(doc.Teams), Digest: digest, Records: len(cs.Evidence), Head: chain.Hash, Saved: saved}
	if signer != nil {
		res.KeyID = signer.KeyID()
	}
	if o != nil {
		if err := o.Commit(); err != nil {
			return nil, errorf("the sign-off is recorded, but %v", err)
		}
	} else {
		res.Shown = shown.Bytes()
	}
	return res, nil
}

// OutFile is an output written through fsx (mode 0600, never seen
// half-written, never replacing a device, FIFO or link), buffered.
type OutFile struct {
	path string
	f    *fsx.File
	w    *bufio.Writer
}

// createOut starts the output path ("-": stdout).
func createOut(ctx context.Context, path string, stdout io.Writer) (*OutFile, error) {
	f, err := fsx.Create(path, fsx.Options{Stdout: stdout, Context: ctx})
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	return &OutFile{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Write writes to the output's buffer.
func (o *OutFile) Write(p []byte) (int, error) { return o.w.Write(p) }

// Fail is a failed write as the user reads it.
func (o *OutFile) Fail(err error) error {
	return errorf("writing %s: %v", o.path, err)
}

// Commit flushes the output and puts it into place.
func (o *OutFile) Commit() error {
	if err := o.w.Flush(); err != nil {
		return o.Fail(err)
	}
	if err := o.f.Commit(); err != nil {
		return &Error{Msg: err.Error()}
	}
	return nil
}

// Discard removes the temporary file unless Commit renamed it.
func (o *OutFile) Discard() { o.f.Discard() }

// SavedReview is a review written earlier (review --format F --out FILE)
// to be signed off with --attest --from FILE (report.ReadSavedReview).
type SavedReview = report.SavedReview

// readSavedReview reads a saved review; the format is the file's
// extension (.json, .md, .csv, .html).
func readSavedReview(ctx context.Context, path string) (*SavedReview, error) {
	data, err := fsx.ReadFile(ctx, path, 64<<20)
	if err != nil {
		return nil, errorf("reading the review to sign off, %s: %v", path, err)
	}
	s, err := report.ReadSavedReview(data, filepath.Ext(path))
	if err != nil {
		return nil, errorf("review file %s: %v", path, err)
	}
	return s, nil
}

// savedDoc is the review the sign-off records cover: the saved JSON
// itself, or for the other formats its teams (rows and findings are
// counted only from JSON).
func savedDoc(s *SavedReview, current *report.ReviewDoc) *report.ReviewDoc {
	if s.Doc != nil {
		return s.Doc
	}
	d := &report.ReviewDoc{FormatVersion: current.FormatVersion, Serial: s.Serial}
	for _, t := range s.Teams {
		d.Teams = append(d.Teams, report.ReviewTeam{Team: t})
	}
	return d
}

// ReviewRequest asks for the access review, flagging access that expires
// within Within days. With Out, the review is written there by Render
// (mode 0600, never seen half-written; "-": to Stdout).
type ReviewRequest struct {
	Now    time.Time
	Within int
	Out    string
	Stdout io.Writer
	Render func(io.Writer, *report.ReviewDoc) error
}

// Review makes the access review of the state, and writes it to req.Out
// when given.
func Review(ctx context.Context, env *Env, req ReviewRequest) (*report.ReviewDoc, error) {
	in, err := ReportInput(ctx, env, ReportRequest{Now: req.Now, Since: true})
	if err != nil {
		return nil, err
	}
	doc := report.Review(in, report.ReviewOptions{ExpiringWithinDays: req.Within})
	if req.Out == "" {
		return doc, nil
	}
	o, err := createOut(ctx, req.Out, req.Stdout)
	if err != nil {
		return nil, err
	}
	defer o.Discard()
	if err := req.Render(o, doc); err != nil {
		return nil, o.Fail(err)
	}
	if err := o.Commit(); err != nil {
		return nil, err
	}
	return doc, nil
}

// AccessRequest asks for one person's access.
type AccessRequest struct {
	Now   time.Time
	Email string
}

// Access reports one person's access across every team and site, from
// the state.
func Access(ctx context.Context, env *Env, req AccessRequest) (*report.AccessDoc, error) {
	in, err := ReportInput(ctx, env, ReportRequest{Now: req.Now})
	if err != nil {
		return nil, err
	}
	return report.Access(in, req.Email), nil
}

// WhoCanRequest asks who holds a capability (on a team or site: Filter).
type WhoCanRequest struct {
	Now        time.Time
	Capability model.Capability
	Filter     report.WhoCanFilter
}

// WhoCan reports everyone holding a capability, and through which role.
func WhoCan(ctx context.Context, env *Env, req WhoCanRequest) (*report.WhoCanDoc, error) {
	in, err := ReportInput(ctx, env, ReportRequest{Now: req.Now})
	if err != nil {
		return nil, err
	}
	if err := checkWhoCanFilter(in.Objects, req.Filter); err != nil {
		return nil, err
	}
	return report.WhoCan(in, req.Capability, req.Filter), nil
}

// checkWhoCanFilter refuses a team or site the state does not hold: an
// empty answer to a mistyped name would read as "nobody can".
func checkWhoCanFilter(objects []*model.Object, f report.WhoCanFilter) error {
	if f.Team == "" && f.Site == "" {
		return nil
	}
	teamFound, siteFound := f.Team == "", f.Site == ""
	for _, o := range objects {
		switch o.Addr.Kind {
		case model.KindTeam:
			if o.Addr.Team == f.Team {
				teamFound = true
			}
		case model.KindSite:
			if f.Site != "" && matchSite(f.Site, o.Addr) && (f.Team == "" || o.Addr.Team == f.Team) {
				siteFound = true
			}
		}
	}
	if !teamFound {
		return errorf("no team %q in the state (roster state list shows what there is)", f.Team)
	}
	if !siteFound {
		return errorf("no site %q in the state (roster state list shows what there is)", f.Site)
	}
	return nil
}

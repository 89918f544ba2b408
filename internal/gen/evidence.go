package gen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// EvidenceOptions say what chain Evidence appends.
type EvidenceOptions struct {
	// Records is how many records to append.
	Records int
	// Batch is how many records go into one changeset, one write
	// transaction (0: 50,000).
	Batch int
	// PerApply is how many records one simulated apply makes: they share
	// its time, actor, commit and plan digest (0: 1,000).
	PerApply int
	// Seed picks addresses, actions and texts.
	Seed uint64
	// Start is the time of the first apply; each next apply is an hour
	// later (zero: DefaultNow minus one year).
	Start time.Time
	// CheckEvery: every CheckEvery-th record, and the first hundred, are
	// also hashed again by evidence.HashOf, as the verifier does, and must
	// give the hash they were sealed with (0: 1,000; negative: never).
	CheckEvery int
}

// EvidenceResult is the head of the chain after Evidence.
type EvidenceResult struct {
	Seq  uint64
	Hash string
}

// Evidence appends a chain of o.Records sealed evidence records to st, as
// applies of grant changes would have written them: creates, updates and
// deletes of grants, with risks, follow-ups and the apply's metadata. It
// continues the chain st already holds and writes only evidence (no
// objects, no history), in changesets of o.Batch records.
//
// It seals records with evidence.Chain.Seal and checks them with
// evidence.HashOf as CheckEvery says, failing on the first difference.
func Evidence(ctx context.Context, st state.Store, o EvidenceOptions) (EvidenceResult, error) {
	if o.Records < 0 {
		return EvidenceResult{}, fmt.Errorf("gen: Records is %d", o.Records)
	}
	if o.Batch <= 0 {
		o.Batch = 50_000
	}
	if o.PerApply <= 0 {
		o.PerApply = 1000
	}
	if o.Start.IsZero() {
		o.Start = DefaultNow.AddDate(-1, 0, 0)
	}
	if o.CheckEvery == 0 {
		o.CheckEvery = 1000
	}
	seq, head, err := st.EvidenceHead(ctx)
	if err != nil {
		return EvidenceResult{}, err
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return EvidenceResult{}, err
	}
	lineage := snap.Lineage
	if lineage == "" {
		lineage = "gen-evidence-" + Version
	}
	base := seq
	s := newSealer(o, seq, head)
	for done := 0; done < o.Records; {
		n := min(o.Batch, o.Records-done)
		cs := &state.Changeset{Lineage: lineage, Evidence: make([]state.EvidenceRecord, 0, n)}
		for range n {
			if err := s.next(cs); err != nil {
				return EvidenceResult{}, err
			}
		}
		if _, err := st.Commit(ctx, cs); err != nil {
			return EvidenceResult{}, fmt.Errorf("gen: committing evidence records %d to %d: %w", base+uint64(done)+1, base+uint64(done+n), err)
		}
		done += n
	}
	return EvidenceResult{Seq: s.seq, Hash: s.hash}, nil
}

// sealer makes the records of a chain.
type sealer struct {
	o    EvidenceOptions
	rng  *rand.Rand
	seq  uint64
	hash string
	n    int // records made

	// the current apply
	applyTime, actor, commit, digest string
	approvers                        []string

	objs [][]byte // a pool of grant objects' attribute JSON
}

var actors = []string{"ci-bot", "anna.keller", "lars.garcia", "priya.kaur", "github-actions"}

func newSealer(o EvidenceOptions, seq uint64, hash string) *sealer {
	s := &sealer{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0xe1d)), seq: seq, hash: hash}
	for i := range 512 {
		obj := &model.Object{
			Addr:       model.PersonGrantAddress("t", "s", "p@x.io"),
			Role:       []string{"viewer", "editor", "view", "edit", "member"}[i%5],
			HolderKind: []model.HolderKind{model.HolderGuest, model.HolderGuest, model.HolderMember}[i%3],
			Status:     model.StatusActive,
			Reason:     guestReasons[i%len(guestReasons)],
			Ticket:     "OPS-" + strconv.Itoa(1000+i*7),
		}
		if i%4 != 3 {
			obj.Expires = DefaultNow.AddDate(0, 0, i%365).Format("2006-01-02") + "T23:59:59Z"
		}
		s.objs = append(s.objs, obj.AttrsJSON())
	}
	return s
}

// record makes the next record's content (without seq and hashes).
func (s *sealer) record() *evidence.Record {
	if s.n%s.o.PerApply == 0 {
		k := s.n / s.o.PerApply
		s.applyTime = evidence.FormatTime(s.o.Start.Add(time.Duration(k) * time.Hour))
		s.actor = actors[k%len(actors)]
		s.commit = fmt.Sprintf("%040x", s.rng.Uint64())
		s.digest = fmt.Sprintf("sha256:%016x%016x%016x%016x", s.rng.Uint64(), s.rng.Uint64(), s.rng.Uint64(), s.rng.Uint64())
		s.approvers = []string{}
		if k%3 != 0 {
			s.approvers = []string{"lead" + strconv.Itoa(k%7) + "@globex.com"}
		}
	}
	s.n++
	t := s.rng.IntN(len(brands) * 25)
	team := brands[t%len(brands)] + "-" + fmt.Sprintf("%04d", t)
	site := products[s.rng.IntN(len(products))] + "-production"
	email := firstNames[s.rng.IntN(len(firstNames))] + "." + lastNames[s.rng.IntN(len(lastNames))] + "@" + agencies[s.rng.IntN(len(agencies))]
	r := &evidence.Record{
		Time:          s.applyTime,
		Address:       "grant/" + team + "/" + site + "/" + email,
		Actor:         s.actor,
		Approvers:     s.approvers,
		Commit:        s.commit,
		PlanDigest:    s.digest,
		Outcome:       evidence.OutcomeApplied,
		Before:        []byte("null"),
		After:         []byte("null"),
		Risks:         []string{"external"},
		FollowUps:     []evidence.FollowUp{},
		API:           []string{},
		ChangeRequest: "",
	}
	obj := s.objs[s.rng.IntN(len(s.objs))]
	switch a := s.rng.IntN(10); {
	case a < 7:
		r.Action = "create"
		r.After = obj
		if s.rng.IntN(3) == 0 {
			r.Risks = append(r.Risks, "production")
		}
	case a < 9:
		r.Action = "update"
		r.Before = s.objs[s.rng.IntN(len(s.objs))]
		r.After = obj
		if s.rng.IntN(4) == 0 {
			r.Risks = []string{"escalation", "external"}
		}
	default:
		r.Action = "delete"
		r.Before = obj
		r.Risks = []string{"external", "removal", "expired"}
		r.Why = "expired " + DefaultNow.AddDate(0, 0, -s.rng.IntN(300)).Format("2006-01-02")
		if s.rng.IntN(5) == 0 {
			r.FollowUps = []evidence.FollowUp{{
				Address: "site/" + team + "/" + site,
				Task:    "review_shared_links",
				Text:    "Review the shared links of " + site + ": " + email + " could create them.",
			}}
		}
	}
	r.Reason = guestReasons[s.rng.IntN(len(guestReasons))]
	r.Ticket = "OPS-" + strconv.Itoa(1000+s.rng.IntN(9000))
	if s.n%97 == 0 {
		r.Note = "Confirmed by the client's \"data owner\" — see the ticket."
	}
	return r
}

// next seals the next record with evidence.Chain.Seal and, as
// CheckEvery says, checks it by evidence.HashOf, the verifier's own
// recomputation; it adds the record to cs with the follow-up tasks it
// raises (evidence.NoteTasks).
func (s *sealer) next(cs *state.Changeset) error {
	r := s.record()
	chain := evidence.Chain{Seq: s.seq, Hash: s.hash}
	rec, err := chain.Seal(r)
	if err != nil {
		return fmt.Errorf("gen: sealing evidence record %d: %w", s.seq+1, err)
	}
	if c := s.o.CheckEvery; c > 0 && (s.n <= 100 || s.n%c == 0) {
		hash, seq, prev, stated, err := evidence.HashOf(rec.JSON)
		if err != nil || hash != rec.Hash || stated != rec.Hash || seq != rec.Seq || prev != s.hash {
			return fmt.Errorf("gen: record %d does not verify as sealed (hash %s, seq %d, prev_hash %s, error %v): %s", rec.Seq, hash, seq, prev, err, rec.JSON)
		}
	}
	s.seq, s.hash = rec.Seq, rec.Hash
	cs.Evidence = append(cs.Evidence, rec)
	return evidence.NoteTasks(cs, r)
}

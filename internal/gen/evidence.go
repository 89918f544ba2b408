package gen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

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
	// also sealed by evidence.Chain.Seal and must come out byte for byte
	// the same (0: 1,000; negative: never).
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
// It seals records itself, writing their canonical JSON directly, because
// evidence.Chain.Seal takes about 90 µs a record (a million would take a
// minute and a half); it checks itself against Seal as CheckEvery says,
// and fails on the first difference.
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
			rec, err := s.next()
			if err != nil {
				return EvidenceResult{}, err
			}
			cs.Evidence = append(cs.Evidence, rec)
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
	buf  []byte
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

// next seals the next record.
func (s *sealer) next() (state.EvidenceRecord, error) {
	r := s.record()
	r.Seq = s.seq + 1
	r.PrevHash = s.hash
	body, noteAt := appendCanonical(s.buf[:0], r)
	sum := sha256.Sum256(body)
	r.Hash = hex.EncodeToString(sum[:])
	full := make([]byte, 0, len(body)+len(r.Hash)+10)
	full = append(full, body[:noteAt]...)
	full = append(full, `"hash":"`...)
	full = append(full, r.Hash...)
	full = append(full, `",`...)
	full = append(full, body[noteAt:]...)
	s.buf = body

	if c := s.o.CheckEvery; c > 0 && (s.n <= 100 || s.n%c == 0) {
		chain := &evidence.Chain{Seq: s.seq, Hash: s.hash}
		clone := *r
		want, err := chain.Seal(&clone)
		if err != nil {
			return state.EvidenceRecord{}, fmt.Errorf("gen: evidence.Chain.Seal of record %d: %w", r.Seq, err)
		}
		if !bytes.Equal(want.JSON, full) || want.Hash != r.Hash {
			return state.EvidenceRecord{}, fmt.Errorf("gen: record %d differs from what evidence.Chain.Seal makes (the record format changed? update gen's appendCanonical and bump Version):\n gen:  %s\n Seal: %s", r.Seq, full, want.JSON)
		}
	}
	s.seq, s.hash = r.Seq, r.Hash
	return state.EvidenceRecord{Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash, JSON: full}, nil
}

// appendCanonical appends r's canonical JSON (RFC 8785, as evidence
// writes it) without its hash member, and says where "note" starts: the
// hash member goes just before it. Before and After must already be
// canonical JSON (gen's pool is: sorted keys, plain strings).
func appendCanonical(b []byte, r *evidence.Record) ([]byte, int) {
	b = append(b, `{"action":`...)
	b = appendJCS(b, r.Action)
	b = append(b, `,"actor":`...)
	b = appendJCS(b, r.Actor)
	b = append(b, `,"address":`...)
	b = appendJCS(b, r.Address)
	b = append(b, `,"after":`...)
	b = append(b, r.After...)
	b = append(b, `,"allow_mass_removal":`...)
	b = strconv.AppendBool(b, r.AllowMassRemoval)
	b = append(b, `,"api":`...)
	b = appendJCSList(b, r.API)
	b = append(b, `,"approvers":`...)
	b = appendJCSList(b, r.Approvers)
	b = append(b, `,"before":`...)
	b = append(b, r.Before...)
	b = append(b, `,"change_request":`...)
	b = appendJCS(b, r.ChangeRequest)
	b = append(b, `,"commit":`...)
	b = appendJCS(b, r.Commit)
	b = append(b, `,"follow_ups":[`...)
	for i, f := range r.FollowUps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendJCS(b, f.Address)
		b = append(b, `,"task":`...)
		b = appendJCS(b, f.Task)
		b = append(b, `,"text":`...)
		b = appendJCS(b, f.Text)
		b = append(b, '}')
	}
	b = append(b, "],"...)
	noteAt := len(b)
	b = append(b, `"note":`...)
	b = appendJCS(b, r.Note)
	b = append(b, `,"outcome":`...)
	b = appendJCS(b, r.Outcome)
	b = append(b, `,"plan_digest":`...)
	b = appendJCS(b, r.PlanDigest)
	b = append(b, `,"prev_hash":`...)
	b = appendJCS(b, r.PrevHash)
	b = append(b, `,"reason":`...)
	b = appendJCS(b, r.Reason)
	b = append(b, `,"risks":`...)
	b = appendJCSList(b, r.Risks)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, `,"ticket":`...)
	b = appendJCS(b, r.Ticket)
	b = append(b, `,"time":`...)
	b = appendJCS(b, r.Time)
	b = append(b, `,"why":`...)
	b = appendJCS(b, r.Why)
	b = append(b, '}')
	return b, noteAt
}

func appendJCSList(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJCS(b, s)
	}
	return append(b, ']')
}

// appendJCS appends s as a JSON string the way RFC 8785 does: only '"',
// '\\' and control characters are escaped, with JSON's short forms.
func appendJCS(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}

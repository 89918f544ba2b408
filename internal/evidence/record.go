package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// Actions an evidence record may carry besides the plan's create, update
// and delete.
const (
	ActionAdopt   = "adopt"
	ActionImport  = "import"
	ActionConfirm = "confirm"
	ActionReview  = "review"
)

// Outcomes of a change (sync.md).
const (
	OutcomeApplied = "applied"
	OutcomeInvited = "invited"
	OutcomeManual  = "manual"
	// OutcomeFailed is a change the platform refused or that failed after
	// retries; the record's note holds the platform's message.
	OutcomeFailed = "failed"
)

// FollowUp is a follow-up task as a record lists it.
type FollowUp struct {
	Address string `json:"address"`
	Task    string `json:"task"`
	Text    string `json:"text"`
}

// Record is one evidence record. Every field is always written (empty
// strings, empty lists and nulls included), so every record has the same
// shape; schema/evidence.schema.json describes it.
type Record struct {
	Seq           uint64          `json:"seq"`
	Time          string          `json:"time"`
	Address       string          `json:"address"`
	Action        string          `json:"action"`
	Before        json.RawMessage `json:"before"`
	After         json.RawMessage `json:"after"`
	Risks         []string        `json:"risks"`
	Why           string          `json:"why"`
	FollowUps     []FollowUp      `json:"follow_ups"`
	Actor         string          `json:"actor"`
	Approvers     []string        `json:"approvers"`
	Commit        string          `json:"commit"`
	ChangeRequest string          `json:"change_request"`
	// ChangeTicket is the change's own ticket (apply --ticket,
	// $ROSTER_TICKET), the same on every record of one apply; Ticket is
	// the grant's (cli.md "Evidence, version 2").
	ChangeTicket string `json:"change_ticket"`
	Reason       string `json:"reason"`
	Ticket       string `json:"ticket"`
	PlanDigest   string `json:"plan_digest"`
	// PolicyDigest is "sha256:…" of the canonical JSON of the policy in
	// force (policy.Digest).
	PolicyDigest     string   `json:"policy_digest"`
	AllowMassRemoval bool     `json:"allow_mass_removal"`
	Outcome          string   `json:"outcome"`
	API              []string `json:"api"`
	Note             string   `json:"note"`
	PrevHash         string   `json:"prev_hash"`
	Hash             string   `json:"hash"`
}

// ObjectJSON is an object's attributes as a record holds them (before and
// after), or null.
func ObjectJSON(o *model.Object) json.RawMessage {
	if o == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(o.AttrsJSON())
}

// FormatTime is how records write times: RFC 3339 in UTC, to the second.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (r *Record) normalise() {
	if r.Before == nil {
		r.Before = json.RawMessage("null")
	}
	if r.After == nil {
		r.After = json.RawMessage("null")
	}
	if r.Risks == nil {
		r.Risks = []string{}
	}
	if r.FollowUps == nil {
		r.FollowUps = []FollowUp{}
	}
	if r.Approvers == nil {
		r.Approvers = []string{}
	}
	if r.API == nil {
		r.API = []string{}
	}
}

// Chain seals records onto a chain whose head is known.
type Chain struct {
	Seq  uint64 // the head's sequence number, 0 for an empty chain
	Hash string // the head's hash, "" for an empty chain
}

// Seal gives r the next sequence number and the head's hash as prev_hash,
// computes its hash and returns it as the store keeps it. The chain's head
// moves to r.
//
// The record's canonical JSON is written directly, members in their sorted
// order; Before and After are copied as they are when they are canonical
// already (as Object.AttrsJSON writes them, unless a string needs
// encoding/json's HTML escapes) and canonicalised otherwise. The hash is
// the sha256 of that JSON without the hash member, which is then spliced
// in at its place (after follow_ups, before note).
func (c *Chain) Seal(r *Record) (state.EvidenceRecord, error) {
	r.normalise()
	r.Seq = c.Seq + 1
	r.PrevHash = c.Hash
	r.Hash = ""
	if r.Seq > maxSafeInteger {
		return state.EvidenceRecord{}, fmt.Errorf("number %d is not an integer within ±2^53", r.Seq)
	}
	before, err := canonicalRaw("before", r.Before)
	if err != nil {
		return state.EvidenceRecord{}, err
	}
	after, err := canonicalRaw("after", r.After)
	if err != nil {
		return state.EvidenceRecord{}, err
	}
	full, hashAt := appendRecord(make([]byte, 0, recordSize(r, before, after)), r, before, after)
	h := sha256.New()
	h.Write(full[:hashAt])
	h.Write(full[hashAt+hashMemberLen:])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	hex.Encode(full[hashAt+len(`"hash":"`):], sum[:])
	r.Hash = string(full[hashAt+len(`"hash":"`) : hashAt+len(`"hash":"`)+2*sha256.Size])
	c.Seq, c.Hash = r.Seq, r.Hash
	return state.EvidenceRecord{Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash, JSON: full}, nil
}

// hashMemberLen is the length of `"hash":"<64 hex digits>",`.
const hashMemberLen = len(`"hash":"",`) + 2*sha256.Size

// canonicalRaw returns raw JSON in canonical form: raw itself when it is
// canonical already.
func canonicalRaw(field string, raw json.RawMessage) ([]byte, error) {
	if isCanonical(raw) {
		return raw, nil
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return nil, fmt.Errorf("%s is not valid JSON: %v", field, err)
	}
	out, err := CanonicalizeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", field, err)
	}
	return out, nil
}

// recordSize is a little more than the length of r's canonical JSON when
// its strings need no escapes.
func recordSize(r *Record, before, after []byte) int {
	n := 400 + hashMemberLen + len(before) + len(after) + len(r.Time) + len(r.Address) + len(r.Action) +
		len(r.Why) + len(r.Actor) + len(r.Commit) + len(r.ChangeRequest) + len(r.Reason) + len(r.Ticket) +
		len(r.PlanDigest) + len(r.Outcome) + len(r.ChangeTicket) + len(r.PolicyDigest) + len(r.Note) + len(r.PrevHash)
	for _, s := range r.Risks {
		n += len(s) + 3
	}
	for _, s := range r.Approvers {
		n += len(s) + 3
	}
	for _, s := range r.API {
		n += len(s) + 3
	}
	for _, f := range r.FollowUps {
		n += len(f.Address) + len(f.Task) + len(f.Text) + 40
	}
	return n
}

// appendRecord appends r's canonical JSON (RFC 8785) with a placeholder
// hash member of the right length, and says where that member starts.
// before and after must be canonical.
func appendRecord(b []byte, r *Record, before, after []byte) ([]byte, int) {
	b = append(b, `{"action":`...)
	b = appendString(b, r.Action)
	b = append(b, `,"actor":`...)
	b = appendString(b, r.Actor)
	b = append(b, `,"address":`...)
	b = appendString(b, r.Address)
	b = append(b, `,"after":`...)
	b = append(b, after...)
	b = append(b, `,"allow_mass_removal":`...)
	b = strconv.AppendBool(b, r.AllowMassRemoval)
	b = append(b, `,"api":`...)
	b = appendStrings(b, r.API)
	b = append(b, `,"approvers":`...)
	b = appendStrings(b, r.Approvers)
	b = append(b, `,"before":`...)
	b = append(b, before...)
	b = append(b, `,"change_request":`...)
	b = appendString(b, r.ChangeRequest)
	b = append(b, `,"change_ticket":`...)
	b = appendString(b, r.ChangeTicket)
	b = append(b, `,"commit":`...)
	b = appendString(b, r.Commit)
	b = append(b, `,"follow_ups":[`...)
	for i, f := range r.FollowUps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":`...)
		b = appendString(b, f.Address)
		b = append(b, `,"task":`...)
		b = appendString(b, f.Task)
		b = append(b, `,"text":`...)
		b = appendString(b, f.Text)
		b = append(b, '}')
	}
	b = append(b, "],"...)
	hashAt := len(b)
	b = append(b, `"hash":"`...)
	for range 2 * sha256.Size {
		b = append(b, '0')
	}
	b = append(b, `",`...)
	b = append(b, `"note":`...)
	b = appendString(b, r.Note)
	b = append(b, `,"outcome":`...)
	b = appendString(b, r.Outcome)
	b = append(b, `,"plan_digest":`...)
	b = appendString(b, r.PlanDigest)
	b = append(b, `,"policy_digest":`...)
	b = appendString(b, r.PolicyDigest)
	b = append(b, `,"prev_hash":`...)
	b = appendString(b, r.PrevHash)
	b = append(b, `,"reason":`...)
	b = appendString(b, r.Reason)
	b = append(b, `,"risks":`...)
	b = appendStrings(b, r.Risks)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, `,"ticket":`...)
	b = appendString(b, r.Ticket)
	b = append(b, `,"time":`...)
	b = appendString(b, r.Time)
	b = append(b, `,"why":`...)
	b = appendString(b, r.Why)
	b = append(b, '}')
	return b, hashAt
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// HashOf recomputes the hash of a stored record from its content: the
// sha256 of its canonical JSON without "hash". It also returns the fields
// the chain needs.
//
// A record must be stored as Seal wrote it, canonical (CheckStrict): its
// bytes are checked to be so in one pass and hashed without the hash
// member, nothing decoded. Any other bytes are refused, with the reason
// CheckStrict gives: a record that says the same in another form, or
// holds a member twice, is not evidence.
func HashOf(data []byte) (hash string, seq uint64, prev, stated string, err error) {
	var h recordHash
	hashRecord(sha256.New(), data, &h)
	if h.err != nil {
		return "", 0, "", "", h.err
	}
	return hex.EncodeToString(h.sum[:]), h.seq, string(h.prev), string(h.stated), nil
}

// recordHash is what hashing a record found.
type recordHash struct {
	sum          [sha256.Size]byte
	seq          uint64
	prev, stated []byte // may point into the record's bytes
	err          error
}

// hashRecord hashes one record with h (reset first).
func hashRecord(h hash.Hash, data []byte, out *recordHash) {
	var f recordFields
	start, end, ok := scanRecord(data, &f)
	if !ok {
		// Not what the scanner accepts: the strict check says why (it
		// accepts exactly what the scanner does, FuzzStrictMatchesScanner),
		// or, for a canonical record without seq, prev_hash or hash as
		// strings, the slow path does.
		if err := CheckStrict(data); err != nil {
			*out = recordHash{err: err}
			return
		}
		hashSlow(data, out)
		return
	}
	cutStart, cutEnd := f.hashStart, f.hashEnd
	switch {
	case !f.hashFirst:
		cutStart-- // the comma before it
	case data[cutEnd] == ',':
		cutEnd++ // first member: the comma after it
	}
	h.Reset()
	h.Write(data[start:cutStart])
	h.Write(data[cutEnd:end])
	h.Sum(out.sum[:0])
	out.seq, out.prev, out.stated, out.err = f.seq, f.prev, f.hash, nil
}

// hashSlow is HashOf for records that are not canonical: decode,
// canonicalise without "hash", hash.
func hashSlow(data []byte, out *recordHash) {
	*out = recordHash{}
	fail := func(err error) { out.err = err }
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		fail(fmt.Errorf("not valid JSON: %v", err))
		return
	}
	if dec.More() {
		fail(fmt.Errorf("trailing data after the record"))
		return
	}
	n, ok := m["seq"].(json.Number)
	if !ok {
		fail(fmt.Errorf("no seq field"))
		return
	}
	s, err := n.Int64()
	if err != nil || s < 1 {
		fail(fmt.Errorf("seq %s is not a positive whole number", n))
		return
	}
	prev, ok1 := m["prev_hash"].(string)
	stated, ok2 := m["hash"].(string)
	if !ok1 || !ok2 {
		fail(fmt.Errorf("prev_hash or hash is missing or not a string"))
		return
	}
	delete(m, "hash")
	var b bytes.Buffer
	if err := writeCanonical(&b, m); err != nil {
		fail(err)
		return
	}
	out.sum = sha256.Sum256(b.Bytes())
	out.seq, out.prev, out.stated = uint64(s), []byte(prev), []byte(stated)
}

// Decode reads a stored record. It refuses a record that names a member
// twice or is not valid UTF-8 (json/v2's rules), so nothing shown from a
// record can be one of two values a verifier saw; member names match
// exactly, without case folding.
func Decode(data []byte) (*Record, error) {
	var r Record
	if err := jsonv2.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return &r, nil
}

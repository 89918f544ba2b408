package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
	// ActionMove is a rename (schema/language.md "moved", `roster state mv`);
	// ActionForget removes an object from the state only (`roster state rm`).
	ActionMove   = "move"
	ActionForget = "forget"
)

// WhyMovedFrom starts the why of a move record, followed by the old
// address: the record is under the new address, and this is how the
// history of the old one is found (`evidence list --person`).
const WhyMovedFrom = "moved from "

// MovedFrom is the old address of a move record, if r is one.
func MovedFrom(r *Record) (model.Address, bool) {
	if r.Action != ActionMove || len(r.Why) <= len(WhyMovedFrom) || r.Why[:len(WhyMovedFrom)] != WhyMovedFrom {
		return model.Address{}, false
	}
	rest := r.Why[len(WhyMovedFrom):]
	if i := bytes.IndexByte([]byte(rest), ' '); i >= 0 {
		rest = rest[:i]
	}
	a, err := model.ParseAddress(rest)
	return a, err == nil
}

// Outcomes of a change (schema/sync.md).
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
//
// The fields are declared in RFC 8785 order (all names are ASCII, so that
// is byte order of the names): json/v2 writes a struct's fields in
// declaration order and, by default, escapes strings as RFC 8785 does
// (only '"', '\\' and control characters, short forms where JSON has them,
// else lower-case \u00xx), so Seal marshals a Record as it is.
// TestSealCanonical holds the result to CheckStrict.
type Record struct {
	Action           string         `json:"action"`
	Actor            string         `json:"actor"`
	Address          string         `json:"address"`
	After            jsontext.Value `json:"after"`
	AllowMassRemoval bool           `json:"allow_mass_removal"`
	API              []string       `json:"api"`
	Approvers        []string       `json:"approvers"`
	Before           jsontext.Value `json:"before"`
	ChangeRequest    string         `json:"change_request"`
	// ChangeTicket is the change's own ticket (apply --ticket,
	// $ROSTER_TICKET), the same on every record of one apply; Ticket is
	// the grant's (schema/cli.md "Evidence, version 2").
	ChangeTicket string     `json:"change_ticket"`
	Commit       string     `json:"commit"`
	FollowUps    []FollowUp `json:"follow_ups"`
	Hash         string     `json:"hash"`
	Note         string     `json:"note"`
	Outcome      string     `json:"outcome"`
	PlanDigest   string     `json:"plan_digest"`
	// PolicyDigest is "sha256:…" of the canonical JSON of the policy in
	// force (policy.Digest).
	PolicyDigest string   `json:"policy_digest"`
	PrevHash     string   `json:"prev_hash"`
	Reason       string   `json:"reason"`
	Risks        []string `json:"risks"`
	Seq          uint64   `json:"seq"`
	Ticket       string   `json:"ticket"`
	Time         string   `json:"time"`
	Why          string   `json:"why"`
}

// ObjectJSON is an object's attributes as a record holds them (before and
// after), or null.
func ObjectJSON(o *model.Object) jsontext.Value {
	if o == nil {
		return jsontext.Value("null")
	}
	return jsontext.Value(o.AttrsJSON())
}

// FormatTime is how records write times: RFC 3339 in UTC, to the second.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// normalise makes a missing before or after null. (A nil list needs
// nothing: json/v2 writes it [], as every list of a record is written.)
func (r *Record) normalise() {
	if r.Before == nil {
		r.Before = jsontext.Value("null")
	}
	if r.After == nil {
		r.After = jsontext.Value("null")
	}
}

// Chain seals records onto a chain whose head is known.
type Chain struct {
	Seq  uint64 // the head's sequence number, 0 for an empty chain
	Hash string // the head's hash, "" for an empty chain
}

// Seal gives r the next sequence number and the head's hash as prev_hash,
// puts Before and After in canonical form, computes r's hash and returns r
// as the store keeps it. The chain's head moves to r.
//
// The record's canonical JSON (RFC 8785) is json/v2's marshal of r (see
// Record); it is marshalled with an empty hash, hashed without the hash
// member, and the hash goes in its place.
func (c *Chain) Seal(r *Record) (state.EvidenceRecord, error) {
	r.normalise()
	r.Seq, r.PrevHash, r.Hash = c.Seq+1, c.Hash, ""
	if r.Seq > maxSafeInteger {
		return state.EvidenceRecord{}, fmt.Errorf("number %d is not an integer within ±2^53", r.Seq)
	}
	var err error
	if r.Before, err = canonicalRaw("before", r.Before); err != nil {
		return state.EvidenceRecord{}, err
	}
	if r.After, err = canonicalRaw("after", r.After); err != nil {
		return state.EvidenceRecord{}, err
	}
	// r is marshalled into a scratch buffer (sealScratch): only the record
	// itself is allocated.
	buf := sealScratch.Get().(*bytes.Buffer)
	defer sealScratch.Put(buf)
	buf.Reset()
	if err := json.MarshalWrite(buf, r, sealOptions); err != nil {
		return state.EvidenceRecord{}, err
	}
	b := buf.Bytes()
	// follow_ups, a list, comes just before the hash member: its value
	// starts after the first `],"hash":"` that follows any in after and
	// before (raw JSON, which may hold one). The other members before it
	// hold only strings and a boolean, and a quote in a string is always
	// escaped. TestSealCanonical seals records whose before and after
	// hold it.
	at := -1
	for range bytes.Count(r.After, hashKey) + bytes.Count(r.Before, hashKey) + 1 {
		at += 1 + bytes.Index(b[at+1:], hashKey)
	}
	at += len(hashKey)
	h := sha256.New()
	h.Write(b[:at-len(`"hash":"`)]) // up to the comma before it
	h.Write(b[at+len(`",`):])
	full := make([]byte, len(b)+hex.EncodedLen(sha256.Size))
	copy(full, b[:at])
	var sum [sha256.Size]byte
	n := hex.Encode(full[at:], h.Sum(sum[:0]))
	copy(full[at+n:], b[at:])
	r.Hash = string(full[at : at+n])
	c.Seq, c.Hash = r.Seq, r.Hash
	return state.EvidenceRecord{Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash, JSON: full}, nil
}

// hashKey is the end of follow_ups and the start of the hash member.
var hashKey = []byte(`],"hash":"`)

// sealOptions: a string that is not valid UTF-8 (from a platform, say) is
// sealed with U+FFFD in place of each bad byte, as encoding/json writes
// it, rather than failing the record of a change already made.
var sealOptions = jsontext.AllowInvalidUTF8(true)

// sealScratch holds the buffers Seal marshals records into.
var sealScratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// canonicalRaw returns raw JSON in canonical form: raw itself when it is
// canonical already.
func canonicalRaw(field string, raw jsontext.Value) (jsontext.Value, error) {
	if isCanonical(raw) {
		return jsontext.Value(raw), nil
	}
	out, err := CanonicalizeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", field, err)
	}
	return out, nil
}

// HashOf recomputes the hash of a stored record from its content: the
// sha256 of its canonical JSON without "hash". It also returns the fields
// the chain needs.
//
// A record must be stored as Seal wrote it, canonical (CheckStrict): its
// bytes are checked to be so in one pass and hashed without the hash
// member, nothing decoded. Any other bytes are refused, with the reason
// CheckStrict gives: a record that says the same in another form, or
// holds a member twice, is not evidence. So is a record without a
// positive seq, or whose prev_hash or hash is not a string without
// escapes (hashes are hex digits).
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
		// or, the bytes being canonical and so scanned whole, f does.
		err := CheckStrict(data)
		switch {
		case err != nil:
		case data[0] != '{':
			err = errors.New("not a JSON object")
		case !f.seqFound:
			err = errors.New("no seq member that is a positive whole number")
		default:
			err = errors.New("prev_hash or hash is missing, not a string, or holds an escape (a hash never does)")
		}
		*out = recordHash{err: err}
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

// Decode reads a stored record. It refuses a record that names a member
// twice or is not valid UTF-8 (json/v2's rules), so nothing shown from a
// record can be one of two values a verifier saw; member names match
// exactly, without case folding.
func Decode(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return &r, nil
}

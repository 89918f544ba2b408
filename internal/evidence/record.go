package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

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
	Seq              uint64          `json:"seq"`
	Time             string          `json:"time"`
	Address          string          `json:"address"`
	Action           string          `json:"action"`
	Before           json.RawMessage `json:"before"`
	After            json.RawMessage `json:"after"`
	Risks            []string        `json:"risks"`
	Why              string          `json:"why"`
	FollowUps        []FollowUp      `json:"follow_ups"`
	Actor            string          `json:"actor"`
	Approvers        []string        `json:"approvers"`
	Commit           string          `json:"commit"`
	ChangeRequest    string          `json:"change_request"`
	Reason           string          `json:"reason"`
	Ticket           string          `json:"ticket"`
	PlanDigest       string          `json:"plan_digest"`
	AllowMassRemoval bool            `json:"allow_mass_removal"`
	Outcome          string          `json:"outcome"`
	API              []string        `json:"api"`
	Note             string          `json:"note"`
	PrevHash         string          `json:"prev_hash"`
	Hash             string          `json:"hash"`
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
func (c *Chain) Seal(r *Record) (state.EvidenceRecord, error) {
	r.normalise()
	r.Seq = c.Seq + 1
	r.PrevHash = c.Hash
	r.Hash = ""
	body, err := withoutHash(r)
	if err != nil {
		return state.EvidenceRecord{}, err
	}
	sum := sha256.Sum256(body)
	r.Hash = hex.EncodeToString(sum[:])
	full, err := Canonical(r)
	if err != nil {
		return state.EvidenceRecord{}, err
	}
	c.Seq, c.Hash = r.Seq, r.Hash
	return state.EvidenceRecord{Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash, JSON: full}, nil
}

// withoutHash is the canonical JSON of r without its hash member: what the
// hash is computed over.
func withoutHash(r *Record) ([]byte, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "hash")
	var b bytes.Buffer
	if err := writeCanonical(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// HashOf recomputes the hash of a stored record from its content: the
// sha256 of its canonical JSON without "hash". It also returns the fields
// the chain needs.
func HashOf(data []byte) (hash string, seq uint64, prev, stated string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return "", 0, "", "", fmt.Errorf("not valid JSON: %v", err)
	}
	if dec.More() {
		return "", 0, "", "", fmt.Errorf("trailing data after the record")
	}
	n, ok := m["seq"].(json.Number)
	if !ok {
		return "", 0, "", "", fmt.Errorf("no seq field")
	}
	s, err := n.Int64()
	if err != nil || s < 1 {
		return "", 0, "", "", fmt.Errorf("seq %s is not a positive whole number", n)
	}
	prev, ok1 := m["prev_hash"].(string)
	stated, ok2 := m["hash"].(string)
	if !ok1 || !ok2 {
		return "", 0, "", "", fmt.Errorf("prev_hash or hash is missing or not a string")
	}
	delete(m, "hash")
	var b bytes.Buffer
	if err := writeCanonical(&b, m); err != nil {
		return "", 0, "", "", err
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:]), uint64(s), prev, stated, nil
}

// Decode reads a stored record.
func Decode(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

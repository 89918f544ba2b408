package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// A review written with --attest --out FILE is the document attested
// (schema/cli.md "Evidence, version 2": review sign-off binds what was seen). It
// shows the digest it is attested under, so the digest cannot be that of
// the file as it is: it is the sha256 of the file in which every
// occurrence of the digest's 64 hex digits is written as 64 zeros (the
// placeholder the file was first written with). Anyone can recompute it:
//
//	sed "s/$HEX/$(printf '0%.0s' $(seq 64))/g" FILE | sha256sum
//
// where HEX is the digest the evidence record holds, without "sha256:".

// placeholderHex is what the digest is written as while it is computed.
var placeholderHex = strings.Repeat("0", 2*sha256.Size)

// PlaceholderDigest is the digest an attested document is first written
// with (Attestation.Digest), "sha256:" and 64 zeros.
var PlaceholderDigest = "sha256:" + placeholderHex

// Attestation is the sign-off an attested document shows: who signs it
// off, when, in which format, and the digest it is attested under.
type Attestation struct {
	Reviewer string `json:"reviewer"`
	Time     string `json:"time"`
	Format   string `json:"format"`
	Digest   string `json:"digest"`
}

// SealAttested takes a document written with PlaceholderDigest and
// returns it with its digest filled in, and the digest. ok is false when
// the document does not show the placeholder (it would not show its
// digest).
func SealAttested(doc []byte) (sealed []byte, digest string, ok bool) {
	if !bytes.Contains(doc, []byte(placeholderHex)) {
		return nil, "", false
	}
	sum := sha256.Sum256(doc)
	hexSum := hex.EncodeToString(sum[:])
	return bytes.ReplaceAll(doc, []byte(placeholderHex), []byte(hexSum)), "sha256:" + hexSum, true
}

// CheckAttested reports whether doc is attested under digest ("sha256:…"):
// the sha256 of doc with the digest's hex written as zeros is the digest.
func CheckAttested(doc []byte, digest string) bool {
	hexSum, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexSum) != len(placeholderHex) || !bytes.Contains(doc, []byte(hexSum)) {
		return false
	}
	sum := sha256.Sum256(bytes.ReplaceAll(doc, []byte(hexSum), []byte(placeholderHex)))
	return hex.EncodeToString(sum[:]) == hexSum
}

// Kinds of ReviewChange.
const (
	ChangeAdded       = "added"
	ChangeRemoved     = "removed"
	ChangeRoleChanged = "role changed"
)

// ReviewChange is one change to a team's access since its last sign-off,
// from the evidence: a person added, removed, or whose role changed.
type ReviewChange struct {
	Seq        uint64 `json:"seq"`
	Time       string `json:"time"`
	Address    string `json:"address"`
	Person     string `json:"person"`
	Site       string `json:"site"`
	Change     string `json:"change"`
	RoleBefore string `json:"role_before"`
	RoleAfter  string `json:"role_after"`
}

// ChangesSinceReviews lists, per team with a sign-off, the changes to
// memberships, grants and groups' members recorded after it, oldest first
// (records in seq order). A person who joins or leaves a group gains or
// loses what the group's grants give: they are listed as added to or
// removed from the team with the role "group:NAME". Teams never signed
// off have none: there is nothing to compare with.
func ChangesSinceReviews(records []*evidence.Record, reviews map[string]TeamReview) map[string][]ReviewChange {
	out := map[string][]ReviewChange{}
	// Creations left to a person: their confirm record is the addition
	// (its before is the waiting object, not nothing).
	waiting := map[string]bool{}
	for _, r := range records {
		if r == nil {
			continue
		}
		addr, err := model.ParseAddress(r.Address)
		if err != nil || (addr.Kind != model.KindMember && addr.Kind != model.KindGrant && addr.Kind != model.KindGroup) {
			continue
		}
		created := false
		switch {
		case r.Outcome == evidence.OutcomeManual:
			waiting[r.Address] = isNull(r.Before)
		case r.Action == evidence.ActionConfirm:
			created = waiting[r.Address]
			delete(waiting, r.Address)
		}
		rev, ok := reviews[addr.Team]
		if !ok || r.Seq <= rev.Seq {
			continue
		}
		if r.Outcome != "" && r.Outcome != evidence.OutcomeApplied && r.Outcome != evidence.OutcomeInvited {
			continue // a manual step waiting, or a failed attempt: nothing changed yet
		}
		if addr.Kind == model.KindGroup {
			out[addr.Team] = appendGroupChanges(out[addr.Team], r, addr, created)
			continue
		}
		before, after := roleIn(r.Before), roleIn(r.After)
		c := ReviewChange{Seq: r.Seq, Time: r.Time, Address: r.Address, Person: addr.Holder(), Site: addr.Site, RoleBefore: before, RoleAfter: after}
		switch {
		case created || isNull(r.Before):
			c.Change, c.RoleBefore = ChangeAdded, ""
		case isNull(r.After):
			c.Change = ChangeRemoved
		case before != after:
			c.Change = ChangeRoleChanged
		default:
			continue // same role: a ticket, reason or expiry edited
		}
		out[addr.Team] = append(out[addr.Team], c)
	}
	return out
}

// appendGroupChanges appends the people a group's record r added to the
// group (all of its after's members when created: the before of a
// confirmed creation is the waiting group) and those it took out, in that
// order, each by email.
func appendGroupChanges(out []ReviewChange, r *evidence.Record, addr model.Address, created bool) []ReviewChange {
	var before []string
	if !created {
		before = membersIn(r.Before)
	}
	after := membersIn(r.After)
	in := func(l []string) map[string]bool {
		m := make(map[string]bool, len(l))
		for _, p := range l {
			m[p] = true
		}
		return m
	}
	wasIn, isIn := in(before), in(after)
	holder := addr.Holder()
	c := ReviewChange{Seq: r.Seq, Time: r.Time, Address: r.Address}
	for _, p := range after {
		if !wasIn[p] {
			c.Person, c.Change, c.RoleBefore, c.RoleAfter = p, ChangeAdded, "", holder
			out = append(out, c)
		}
	}
	for _, p := range before {
		if !isIn[p] {
			c.Person, c.Change, c.RoleBefore, c.RoleAfter = p, ChangeRemoved, holder, ""
			out = append(out, c)
		}
	}
	return out
}

// membersIn is the members of a record's before or after group, as
// review rows show them (normalised), nil when none.
func membersIn(raw []byte) []string {
	var m struct {
		Members []string `json:"members"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for i, p := range m.Members {
		m.Members[i] = model.NormalizeEmail(p)
	}
	return m.Members
}

// roleIn is the role of a record's before or after object, "" when none.
func roleIn(raw []byte) string {
	var m struct {
		Role string `json:"role"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	return m.Role
}

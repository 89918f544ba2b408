package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/live"
)

// LiveAccessDoc is what `roster access EMAIL --live` says: where the
// platforms themselves still show the person (schema/access-live.schema.json).
type LiveAccessDoc struct {
	FormatVersion string          `json:"format_version"`
	Email         string          `json:"email"`
	Now           string          `json:"now"`
	TeamsRead     []string        `json:"teams_read"`
	OfflineTeams  []string        `json:"offline_teams"`
	Access        []LiveAccessRow `json:"access"`
}

// LiveAccessRow is one holding.
type LiveAccessRow struct {
	Team    string `json:"team"`
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Role    string `json:"role"`
	Status  string `json:"status"`
	// Unread: the platform's API cannot read this kind of access; the
	// state stands for it until a person confirms it gone.
	Unread bool `json:"unread"`
}

// LiveAccess builds the document from what the refresh found.
func LiveAccess(email string, now time.Time, read, offline []string, holdings []live.Holding) *LiveAccessDoc {
	d := &LiveAccessDoc{FormatVersion: "1", Email: email, Now: now.UTC().Format(time.RFC3339),
		TeamsRead: nonNil(read), OfflineTeams: nonNil(offline), Access: []LiveAccessRow{}}
	for _, h := range holdings {
		d.Access = append(d.Access, LiveAccessRow{Team: h.Team, Address: h.Addr.String(), Kind: h.Kind.String(), Role: h.Role, Status: string(h.Status), Unread: h.Unread})
	}
	return d
}

// WriteLiveAccessJSON prints the document, indented.
func WriteLiveAccessJSON(w io.Writer, d *LiveAccessDoc) error { return writeJSON(w, d) }

// WriteLiveAccessText prints the document for a person.
func WriteLiveAccessText(w io.Writer, d *LiveAccessDoc) error {
	var b strings.Builder
	if len(d.TeamsRead) == 0 {
		fmt.Fprintf(&b, "No connected team to read: %s cannot be checked on any platform.\n", d.Email)
	} else if len(d.Access) == 0 {
		fmt.Fprintf(&b, "%s has no access on the connected teams read: %s.\n", d.Email, strings.Join(d.TeamsRead, ", "))
	} else {
		fmt.Fprintf(&b, "%s still has access on the platforms:\n", d.Email)
		unread := false
		for _, r := range d.Access {
			role := r.Role
			if role == "" {
				role = "(in the group)"
			}
			mark := ""
			if r.Unread {
				mark, unread = "  [not readable by API: as the state records it]", true
			}
			fmt.Fprintf(&b, "  %s  %s  %s%s\n", r.Address, role, r.Status, mark)
		}
		if unread {
			b.WriteString("The platform's API cannot read what is marked: confirm in its UI that the access is gone, then record it with roster confirm or a new apply.\n")
		}
	}
	if len(d.OfflineTeams) > 0 {
		fmt.Fprintf(&b, "Offline teams are not read: %s (roster access %s shows what the state records there).\n", strings.Join(d.OfflineTeams, ", "), d.Email)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// What the renderers write where a review is attested (review_render.go,
// review_html.go): a saved review showing one is signed off already.
const (
	attestedMark  = "Attested digest"
	signedOffMark = "# signed off"
)

// SavedReview is what a review this package rendered, and someone saved
// (review --format F --out FILE), says of itself when it is signed off
// with review --attest --from FILE: its format, the serial it states it
// was made at, its digest, and the teams it covers.
type SavedReview struct {
	Format string
	Serial uint64
	Digest string // ReviewDigest of the file's bytes
	Teams  []string
	Doc    *ReviewDoc // the review itself, read from JSON only
}

// The lines of the markdown and HTML renderers that state the serial and
// name each team.
var (
	serialText = regexp.MustCompile(`state serial (\d+)[,)]`)
	mdTeam     = regexp.MustCompile(`(?m)^## Team (.+) \(`)
	htmlTeamID = regexp.MustCompile(`<section class="team" id="team-([^"]+)"`)
)

// ReadSavedReview reads a review the renderers of this package
// wrote, in the format its file extension ext names (.json, .md,
// .markdown, .csv, .html, .htm): the layout they write is read back here,
// beside them. The review must state its serial, cover a team, and not be
// attested already; the error says why not, to follow "review file
// PATH: ".
func ReadSavedReview(data []byte, ext string) (*SavedReview, error) {
	bad := fmt.Errorf
	s := &SavedReview{Digest: ReviewDigest(data)}
	if bytes.Contains(data, []byte(attestedMark)) || bytes.Contains(data, []byte(signedOffMark)) {
		return nil, bad("it is attested already (it shows its digest); its sign-off is in the evidence")
	}
	found := false
	switch strings.ToLower(ext) {
	case ".json":
		s.Format = "json"
		// json/v2 refuses a member named twice: an edited file cannot show
		// one serial or team to the reader and give another to roster.
		var raw map[string]jsontext.Value
		var doc ReviewDoc
		if err := json.Unmarshal(data, &raw); err != nil || json.Unmarshal(data, &doc) != nil {
			return nil, bad("not a review's JSON")
		}
		if _, ok := raw["serial"]; ok {
			found, s.Serial = true, doc.Serial
		}
		if doc.Attestation != nil {
			return nil, bad("it is attested already (it shows its digest); its sign-off is in the evidence")
		}
		s.Doc = &doc
		for _, t := range doc.Teams {
			s.Teams = append(s.Teams, t.Team)
		}
	case ".md", ".markdown":
		s.Format = "markdown"
		for _, m := range mdTeam.FindAllSubmatch(data, -1) {
			s.Teams = append(s.Teams, strings.ReplaceAll(string(m[1]), `\`, ""))
		}
	case ".html", ".htm":
		s.Format = "html"
		for _, m := range htmlTeamID.FindAllSubmatch(data, -1) {
			s.Teams = append(s.Teams, html.UnescapeString(string(m[1])))
		}
	case ".csv":
		s.Format = "csv"
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) == 0 {
			return nil, bad("not a review's CSV")
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			if r[0] == "# serial" && len(r) > 1 {
				n, err := strconv.ParseUint(r[1], 10, 64)
				found, s.Serial = err == nil, n
				continue
			}
			if !strings.HasPrefix(r[0], "# ") && !seen[r[0]] {
				seen[r[0]] = true
				s.Teams = append(s.Teams, r[0])
			}
		}
	default:
		return nil, bad("give a review saved as .json, .md, .csv or .html")
	}
	if s.Format == "markdown" || s.Format == "html" {
		if m := serialText.FindSubmatch(data); m != nil {
			n, err := strconv.ParseUint(string(m[1]), 10, 64)
			found, s.Serial = err == nil, n
		}
	}
	if !found {
		return nil, bad("it does not state the serial it was made at; save the review with this roster (roster review --format %s --out FILE)", s.Format)
	}
	if len(s.Teams) == 0 {
		return nil, bad("it covers no team: nothing to sign off")
	}
	return s, nil
}

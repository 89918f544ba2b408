package config

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/model"
)

// The directory file's columns, by the names identity providers export
// them under (compared without case and surrounding spaces). roster's own
// names come first; the others are Okta's, Microsoft Entra ID's and Google
// Workspace's user exports.
var directoryColumns = map[string]string{
	"email": "email", "mail": "email", "login": "email", "primaryemail": "email",
	"primary email": "email", "email address [required]": "email",
	"userprincipalname": "email", "user principal name": "email",

	"status": "status", "status [read only]": "status", "accountenabled": "status",
	"account enabled": "status", "block sign in": "block",

	"name": "name", "displayname": "name", "display name": "name", "full name": "name",

	"manager": "manager", "manager email": "manager", "manageremail": "manager",
	"manager email (work)": "manager",
}

// directoryStatus maps the status words of the same exports onto
// schema/language.md's three statuses.
var directoryStatus = map[string]model.PersonStatus{
	"active": model.PersonActive, "true": model.PersonActive, "enabled": model.PersonActive,
	"provisioned": model.PersonActive, "password_expired": model.PersonActive,
	"recovery": model.PersonActive, "locked_out": model.PersonSuspended,
	"suspended": model.PersonSuspended, "false": model.PersonSuspended,
	"disabled": model.PersonSuspended, "staged": model.PersonSuspended,
	"left": model.PersonLeft, "deprovisioned": model.PersonLeft,
	"deleted": model.PersonLeft, "archived": model.PersonLeft, "terminated": model.PersonLeft,
}

// readDirectory reads the policy's directory file, relative to the
// configuration directory: a CSV file with a header row, or JSON Lines
// (.jsonl, .ndjson) with the same fields. Every problem is a diagnostic
// naming the file and line.
func (l *loader) readDirectory(file string, attr hcl.Range) *model.Directory {
	path := file
	if !filepath.IsAbs(path) && l.baseDir != "" {
		path = filepath.Join(l.baseDir, file)
	}
	data, err := readLimited(path)
	switch {
	case err != nil:
		l.errorf(attr, "Cannot read the directory file",
			"roster could not read %s: %v. The directory file is relative to the configuration directory.", file, unwrapPathError(err))
		return nil
	case len(data) > MaxFileSize:
		l.errorf(attr, "Directory file too large",
			"%s is larger than %d MiB, the limit of one file.", file, MaxFileSize>>20)
		return nil
	}
	before := len(l.diags)
	d := l.parseDirectory(data, file)
	if len(d.People) == 0 && len(l.diags) == before {
		// An export that came out empty would make every internal person
		// a leaver, and the plan would suggest offboarding them all.
		l.errorf(attr, "Empty directory file",
			"%s lists nobody. With no one in the directory every internal person would count as a leaver; check that the identity provider's export worked (a header row, then one person per line).", file)
		return nil
	}
	return d
}

// parseDirectory reads a directory file's bytes, CSV or JSON Lines by the
// extension of file, reporting each problem at file and line.
func (l *loader) parseDirectory(data []byte, file string) *model.Directory {
	d := &model.Directory{File: file, People: map[string]model.DirectoryPerson{}}
	at := func(line int) hcl.Range { return lineRange(data, file, line) }
	add := func(line int, row map[string]string) {
		email, err := model.ParseEmail(row["email"])
		if err != nil {
			l.errorf(at(line), "Invalid email in the directory", "Line %d of %s: %s.", line, file, sentence(err))
			return
		}
		st, ok := personStatus(row)
		if !ok {
			l.errorf(at(line), "Invalid status in the directory",
				"Line %d of %s gives %s the status %q; roster understands active, suspended and left (and the words Okta, Entra ID and Google Workspace export for them).", line, file, email, row["status"]+row["block"])
			return
		}
		if prev, dup := d.People[email]; dup {
			l.errorf(at(line), "Duplicate person in the directory",
				"Line %d of %s lists %s again (first at line %d); each person appears once.", line, file, email, prev.Line)
			return
		}
		d.People[email] = model.DirectoryPerson{Email: email, Status: st, Name: row["name"], Manager: row["manager"], Line: line}
	}
	if isJSONLines(file, data) {
		l.readDirectoryJSONL(data, file, at, add)
	} else {
		l.readDirectoryCSV(data, file, at, add)
	}
	return d
}

// lineRange is the range of line (from 1) of a file's data, without its
// line ending, for a diagnostic about that line.
func lineRange(data []byte, file string, line int) hcl.Range {
	line = max(line, 1)
	start := 0
	for n := 1; n < line; n++ {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			break
		}
		start += i + 1
	}
	end := start
	if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
		end += i
	} else {
		end = len(data)
	}
	text := bytes.TrimSuffix(data[start:end], []byte("\r"))
	return hcl.Range{
		Filename: file,
		Start:    hcl.Pos{Line: line, Column: 1, Byte: start},
		End:      hcl.Pos{Line: line, Column: 1 + utf8.RuneCount(text), Byte: start + len(text)},
	}
}

// isJSONLines tells JSON Lines from CSV: by the extension (.jsonl,
// .ndjson, .json), or by a first line that starts a JSON object, which no
// CSV header does (an export saved as people.txt, say).
func isJSONLines(file string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".jsonl", ".ndjson", ".json":
		return true
	case ".csv":
		return false
	}
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

func personStatus(row map[string]string) (model.PersonStatus, bool) {
	if b, ok := row["block"]; ok {
		// Entra ID's "Block sign in": yes means the account is blocked.
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "yes", "true":
			return model.PersonSuspended, true
		case "no", "false", "":
			return model.PersonActive, true
		}
		return "", false
	}
	s := strings.ToLower(strings.TrimSpace(row["status"]))
	if s == "" {
		return model.PersonActive, true // a file without statuses lists active people
	}
	st, ok := directoryStatus[s]
	return st, ok
}

func (l *loader) readDirectoryCSV(data []byte, file string, at func(int) hcl.Range, add func(int, map[string]string)) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets write a byte-order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return // nobody: readDirectory says the file is empty
	}
	if err != nil {
		l.errorf(at(1), "Invalid directory file", "%s has no header row: %v. The first line names the columns, at least email.", file, csvError(err))
		return
	}
	cols := map[int]string{}
	hasEmail := false
	for i, h := range header {
		if c, ok := directoryColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			if c == "email" {
				if hasEmail {
					continue // the first email column wins (Okta exports login and email)
				}
				hasEmail = true
			}
			cols[i] = c
		}
	}
	if !hasEmail {
		l.errorf(at(1), "Directory file without email column",
			"The header row of %s names no email column (%s); roster needs one to know who is who.", file, strings.Join(header, ", "))
		return
	}
	for {
		rec, err := r.Read()
		line := 0
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			l.errorf(at(line), "Invalid directory file", "Line %d of %s does not parse as CSV: %v.", line, file, csvError(err))
			return
		}
		line, _ = r.FieldPos(0)
		row := map[string]string{}
		for i, v := range rec {
			if c, ok := cols[i]; ok {
				row[c] = strings.TrimSpace(v)
			}
		}
		if strings.Join(rec, "") == "" {
			continue // a blank line
		}
		add(line, row)
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// jsonError is the text of a JSON decoding error without the name of the
// Go package that found it.
func jsonError(err error) string {
	msg := err.Error()
	for _, prefix := range []string{"jsontext: ", "json: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return msg
}

// directoryLine is one JSON Lines entry; unknown members are allowed (an
// export holds many), duplicate ones are not.
type directoryLine struct {
	Email   string `json:"email"`
	Status  string `json:"status"`
	Name    string `json:"name"`
	Manager string `json:"manager"`
}

func (l *loader) readDirectoryJSONL(data []byte, file string, at func(int) hcl.Range, add func(int, map[string]string)) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // as in a CSV file
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileSize)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var e directoryLine
		if err := json.Unmarshal(text, &e); err != nil {
			l.errorf(at(line), "Invalid directory file", "Line %d of %s is not a JSON object of a person: %s.", line, file, jsonError(err))
			continue
		}
		add(line, map[string]string{"email": e.Email, "status": e.Status, "name": e.Name, "manager": e.Manager})
	}
	if err := sc.Err(); err != nil {
		l.errorf(at(1), "Invalid directory file", "%s could not be read: %v.", file, err)
	}
}

package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/diagtest"
	"github.com/roster-dev/roster/internal/model"
)

// TestDirectoryFile reads directory files of each kind the policy accepts
// and each way they go wrong: every problem a diagnostic at file:line.
func TestDirectoryFile(t *testing.T) {
	for _, c := range []struct {
		name, file, data string
		want             map[string]model.PersonStatus // people read, when valid
		errs             []string                      // "summary@file:line"
		detail           string                        // a text the first error's detail holds
		write            bool                          // write the file even when data is empty
	}{
		{name: "roster columns", file: "people.csv",
			data: "email,status,name,manager\nann@acme.com,active,Ann,\nBob@Acme.com,left,Bob,ann@acme.com\ncid@acme.com,suspended,,\n\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive, "bob@acme.com": model.PersonLeft, "cid@acme.com": model.PersonSuspended}},
		{name: "no status column means active", file: "people.csv",
			data: "\ufeffEmail\nann@acme.com\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive}},
		{name: "okta", file: "okta.csv",
			data: "Login,Email,Status,Display Name\nann@acme.com,ann@acme.com,ACTIVE,Ann\nbob@acme.com,bob@acme.com,DEPROVISIONED,Bob\ncid@acme.com,cid@acme.com,LOCKED_OUT,Cid\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive, "bob@acme.com": model.PersonLeft, "cid@acme.com": model.PersonSuspended}},
		{name: "entra", file: "entra.csv",
			data: "userPrincipalName,displayName,accountEnabled\nann@acme.com,Ann,True\nbob@acme.com,Bob,False\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive, "bob@acme.com": model.PersonSuspended}},
		{name: "google", file: "google.csv",
			data: "First Name [Required],Email Address [Required],Status [READ ONLY]\nAnn,ann@acme.com,Active\nBob,bob@acme.com,Suspended\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive, "bob@acme.com": model.PersonSuspended}},
		{name: "json lines", file: "people.jsonl",
			data: "{\"email\":\"ann@acme.com\",\"status\":\"active\",\"department\":\"data\"}\n\n{\"email\":\"bob@acme.com\",\"status\":\"left\"}\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive, "bob@acme.com": model.PersonLeft}},
		{name: "json lines named .json", file: "people.json",
			data: "{\"email\":\"ann@acme.com\",\"status\":\"active\"}\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonActive}},
		{name: "json lines under another name", file: "people.txt",
			data: "\ufeff\n  {\"email\":\"ann@acme.com\",\"status\":\"left\"}\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonLeft}},
		{name: "csv under another name", file: "people.txt",
			data: "email,status\nann@acme.com,suspended\n",
			want: map[string]model.PersonStatus{"ann@acme.com": model.PersonSuspended}},
		{name: "no email column", file: "people.csv", data: "name,status\nAnn,active\n",
			errs: []string{"Directory file without email column@people.csv:1"}},
		{name: "duplicate and bad rows", file: "people.csv",
			data: "email,status\nann@acme.com,active\nANN@acme.com,active\nnot-an-email,active\nbob@acme.com,on holiday\n",
			errs: []string{"Duplicate person in the directory@people.csv:3", "Invalid email in the directory@people.csv:4", "Invalid status in the directory@people.csv:5"}},
		{name: "broken csv", file: "people.csv", data: "email\n\"ann@acme.com\n",
			errs: []string{"Invalid directory file@people.csv:2"}},
		{name: "duplicate json member", file: "people.jsonl",
			data:   "{\"email\":\"ann@acme.com\",\"email\":\"mallory@acme.com\"}\n",
			errs:   []string{"Invalid directory file@people.jsonl:1"},
			detail: `Line 1 of people.jsonl is not a JSON object of a person: duplicate object member name "email"`},
		{name: "empty csv file", file: "people.csv", write: true,
			errs: []string{"Empty directory file@main.hcl:3"}},
		{name: "header only", file: "people.csv", data: "email,status\n",
			errs: []string{"Empty directory file@main.hcl:3"}},
		{name: "empty json lines", file: "people.jsonl", data: "\n\n",
			errs: []string{"Empty directory file@main.hcl:3"}},
		{name: "missing file", file: "absent.csv",
			errs: []string{"Cannot read the directory file@main.hcl:3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.data != "" || c.write {
				if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			src := "policy {\n  internal_domains = [\"acme.com\"]\n  directory        = \"" + c.file + "\"\n}\n"
			res := LoadSourcesAt(dir, []Source{{Name: "main.hcl", Data: []byte(src)}})
			var errs []string
			for _, d := range res.Diags {
				errs = append(errs, d.Summary+"@"+d.Subject.Filename+":"+strconv.Itoa(d.Subject.Start.Line))
			}
			if diff := cmp.Diff(c.errs, errs); diff != "" {
				t.Fatalf("diagnostics (-want +got):\n%s\n%v", diff, res.Diags)
			}
			if c.detail != "" && !strings.Contains(res.Diags[0].Detail, c.detail) {
				t.Errorf("detail %q\ndoes not hold %q", res.Diags[0].Detail, c.detail)
			}
			checkStandard(t, &diagtest.Checker{Files: map[string][]byte{"main.hcl": []byte(src), c.file: []byte(c.data)}, Words: schemaWords()}, res.Diags)
			if c.errs != nil {
				return
			}
			got := map[string]model.PersonStatus{}
			for e, p := range res.Config.People.People {
				got[e] = p.Status
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("people (-want +got):\n%s", diff)
			}
			for _, d := range res.Diags {
				if !strings.Contains(d.Detail, c.file) && d.Subject.Filename != "main.hcl" {
					t.Errorf("%q does not name the file", d.Detail)
				}
			}
		})
	}
}

package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

func init() { extraCommands = append(extraCommands, (*app).evidenceCommand) }

func (a *app) evidenceCommand() *cobra.Command {
	c := newCommand("evidence", "Evidence records of every applied change: list, export, verify")
	c.AddCommand(a.evidenceListCommand(), a.evidenceExportCommand(), a.evidenceVerifyCommand())
	return c
}

// recordFilter selects records for `evidence list`.
type recordFilter struct {
	person, site, team string
	since, until       string
	sinceT, untilT     time.Time
}

func (f *recordFilter) parse() error {
	var err error
	if f.since != "" {
		if f.sinceT, err = ParseNow(f.since); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --since %q: expected a date (YYYY-MM-DD) or an RFC 3339 time", f.since)}
		}
	}
	if f.until != "" {
		if f.untilT, err = ParseNow(f.until); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --until %q: expected a date (YYYY-MM-DD) or an RFC 3339 time", f.until)}
		}
	}
	f.person = model.NormalizeEmail(f.person)
	return nil
}

func (f *recordFilter) match(r *evidence.Record) bool {
	addr, err := model.ParseAddress(r.Address)
	if err != nil {
		return f.person == "" && f.site == "" && f.team == ""
	}
	if f.person != "" && addr.Email != f.person {
		return false
	}
	if f.team != "" && addr.Team != f.team {
		return false
	}
	if f.site != "" && !matchSite(f.site, addr) {
		return false
	}
	if !f.sinceT.IsZero() || !f.untilT.IsZero() {
		t, err := time.Parse(time.RFC3339, r.Time)
		if err != nil {
			return false
		}
		if !f.sinceT.IsZero() && t.Before(f.sinceT) {
			return false
		}
		if !f.untilT.IsZero() && !t.Before(f.untilT) {
			return false
		}
	}
	return true
}

// matchSite reports whether addr is on the site named by spec: TEAM/SITE,
// or a bare site name that matches that site in every team.
func matchSite(spec string, addr model.Address) bool {
	if addr.Site == "" {
		return false
	}
	if team, site, ok := strings.Cut(spec, "/"); ok {
		return addr.Team == team && addr.Site == site
	}
	return addr.Site == spec
}

// records reads every evidence record in order.
func (a *app) records(cmd *cobra.Command, fn func(raw []byte, r *evidence.Record) error) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Evidence(cmd.Context(), 1, func(rec state.EvidenceRecord) error {
		r, err := evidence.Decode(rec.JSON)
		if err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("evidence record %d cannot be read (%v); run roster evidence verify", rec.Seq, err)}
		}
		return fn(rec.JSON, r)
	})
}

func (a *app) evidenceListCommand() *cobra.Command {
	c := newCommand("list", "List evidence records, filtered by person, site, team or time")
	c.Args = cobra.NoArgs
	var f recordFilter
	var asJSON bool
	c.Flags().StringVar(&f.person, "person", "", "only records about this email")
	c.Flags().StringVar(&f.site, "site", "", "only records on this site (TEAM/SITE, or a site name in every team)")
	c.Flags().StringVar(&f.team, "team", "", "only records of this team")
	c.Flags().StringVar(&f.since, "since", "", "only records at or after this date or time")
	c.Flags().StringVar(&f.until, "until", "", "only records before this date or time")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (an array of records)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.parse(); err != nil {
			return err
		}
		var raws []json.RawMessage
		var recs []*evidence.Record
		err := a.records(cmd, func(raw []byte, r *evidence.Record) error {
			if f.match(r) {
				raws = append(raws, json.RawMessage(raw))
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil {
			return storeOrExit(err)
		}
		if asJSON {
			if raws == nil {
				raws = []json.RawMessage{}
			}
			return writeJSON(a.stdout, raws)
		}
		if len(recs) == 0 {
			fmt.Fprintln(a.stdout, "No evidence records match.")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME\tACTION\tADDRESS\tACTOR\tOUTCOME\tTICKET")
		for _, r := range recs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time, r.Action, r.Address, r.Actor, dash(r.Outcome), dash(r.Ticket))
		}
		return tw.Flush()
	}
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// storeOrExit keeps exit codes and maps store errors.
func storeOrExit(err error) error {
	var ec *exitCode
	if errors.As(err, &ec) {
		return err
	}
	return storeError(err)
}

func (a *app) evidenceExportCommand() *cobra.Command {
	c := newCommand("export", "Export all evidence for auditors: jsonl, csv or markdown")
	c.Args = cobra.NoArgs
	var format, out string
	c.Flags().StringVar(&format, "format", "jsonl", "jsonl, csv, markdown or bundle")
	c.Flags().StringVar(&out, "out", "", "write to FILE (DIR for bundle) instead of standard output")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		switch format {
		case "jsonl", "csv", "markdown":
		case "bundle":
			return &exitCode{code: ExitError, msg: "--format bundle is not available in this version of roster; use jsonl, csv or markdown"}
		default:
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected jsonl, csv, markdown or bundle", format)}
		}
		var w io.Writer = a.stdout
		var file *os.File
		if out != "" {
			// Written beside the target and renamed over it, mode 0600:
			// an export is never seen half-written.
			var err error
			file, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
			if err == nil {
				err = file.Chmod(0o600)
			}
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", out, err)}
			}
			defer os.Remove(file.Name())
			defer file.Close()
			w = file
		}
		bw := bufio.NewWriter(w)
		var err error
		switch format {
		case "jsonl":
			err = a.records(cmd, func(raw []byte, _ *evidence.Record) error {
				bw.Write(raw)
				return bw.WriteByte('\n')
			})
		case "csv":
			// RFC 4180 line ends, and a byte-order mark so that
			// spreadsheets read the file as UTF-8.
			bw.WriteString("\ufeff")
			cw := csv.NewWriter(bw)
			cw.UseCRLF = true
			cw.Write(csvHeader)
			err = a.records(cmd, func(_ []byte, r *evidence.Record) error { return cw.Write(csvRow(r)) })
			cw.Flush()
			if err == nil {
				err = cw.Error()
			}
		case "markdown":
			fmt.Fprintln(bw, "# roster evidence")
			fmt.Fprintln(bw)
			fmt.Fprintln(bw, "| seq | time | action | address | before | after | actor | approvers | reason | ticket | risks | outcome | hash |")
			fmt.Fprintln(bw, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
			err = a.records(cmd, func(_ []byte, r *evidence.Record) error {
				_, err := fmt.Fprintf(bw, "| %d | %s | %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | `%s` |\n",
					r.Seq, r.Time, r.Action, r.Address, mdCell(roleOf(r.Before)), mdCell(roleOf(r.After)), mdCell(r.Actor),
					mdCell(strings.Join(r.Approvers, ", ")), mdCell(r.Reason), mdCell(r.Ticket), strings.Join(r.Risks, ", "), r.Outcome, r.Hash[:min(12, len(r.Hash))])
				return err
			})
		}
		if err != nil {
			return storeOrExit(err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if file != nil {
			if err := file.Close(); err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", out, err)}
			}
			if err := os.Rename(file.Name(), out); err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", out, err)}
			}
		}
		return nil
	}
	return c
}

var csvHeader = []string{"seq", "time", "address", "kind", "team", "site", "person", "action", "role_before", "role_after",
	"risks", "why", "actor", "approvers", "commit", "change_request", "reason", "ticket", "plan_digest",
	"allow_mass_removal", "outcome", "api", "note", "follow_ups", "prev_hash", "hash"}

// csvRow flattens a record into the columns of csvHeader.
func csvRow(r *evidence.Record) []string {
	addr, _ := model.ParseAddress(r.Address)
	fus := make([]string, len(r.FollowUps))
	for i, f := range r.FollowUps {
		fus[i] = f.Address + "#" + f.Task
	}
	row := []string{fmt.Sprint(r.Seq), r.Time, r.Address, string(addr.Kind), addr.Team, addr.Site, addr.Holder(), r.Action,
		roleOf(r.Before), roleOf(r.After), strings.Join(r.Risks, " "), r.Why, r.Actor, strings.Join(r.Approvers, " "),
		r.Commit, r.ChangeRequest, r.Reason, r.Ticket, r.PlanDigest, fmt.Sprint(r.AllowMassRemoval), r.Outcome,
		strings.Join(r.API, "; "), r.Note, strings.Join(fus, " "), r.PrevHash, r.Hash}
	for i, cell := range row {
		row[i] = spreadsheetSafe(cell)
	}
	return row
}

// spreadsheetSafe stops a spreadsheet from reading a cell as a formula
// (a reason written as "=HYPERLINK(…)"): such cells get a leading '.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// roleOf is the role in a record's before or after attributes, or "".
func roleOf(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	s, _ := m["role"].(string)
	return s
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

func (a *app) evidenceVerifyCommand() *cobra.Command {
	c := newCommand("verify", "Recompute the evidence hash chain; exit 1 naming the first bad record")
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		res, err := evidence.Verify(cmd.Context(), st)
		if err != nil {
			var ve *evidence.VerifyError
			if errors.As(err, &ve) {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("verification failed: %v (after %d good records)", ve, res.Count)}
			}
			return storeError(err)
		}
		if res.Count == 0 {
			fmt.Fprintln(a.stdout, "Evidence verified: 0 records.")
			return nil
		}
		fmt.Fprintf(a.stdout, "Evidence verified: %d records, head %s.\n", res.Count, res.Head)
		return nil
	}
	return c
}

package cli

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) evidenceCommand() *cobra.Command {
	c := newCommand("evidence", "Evidence records of every applied change: list, export, verify, checkpoint")
	c.AddCommand(a.evidenceListCommand(), a.evidenceExportCommand(), a.evidenceVerifyCommand(), a.evidenceCheckpointCommand())
	return c
}

// recordFlags are evidence list's filter flags, as given.
type recordFlags struct {
	ops.RecordFilter
	since, until string
}

// parse reads --since and --until.
func (f *recordFlags) parse() error {
	var err error
	if f.since != "" {
		if f.Since, err = ParseNow(f.since); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --since %q: expected a date (YYYY-MM-DD) or an RFC 3339 time", f.since)}
		}
	}
	if f.until != "" {
		if f.Until, err = ParseNow(f.until); err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --until %q: expected a date (YYYY-MM-DD) or an RFC 3339 time", f.until)}
		}
	}
	return nil
}

// records reads every evidence record in order.
func (a *app) records(cmd *cobra.Command, fn func(raw []byte, r *evidence.Record) error) error {
	return ops.Records(cmd.Context(), a.env(), ops.RecordFilter{}, fn)
}

func (a *app) evidenceListCommand() *cobra.Command {
	c := newCommand("list", "List evidence records, filtered by person, site, team or time")
	c.Args = cobra.NoArgs
	var f recordFlags
	var asJSON bool
	c.Flags().StringVar(&f.Person, "person", "", "only records about this email")
	c.Flags().StringVar(&f.Site, "site", "", "only records on this site (TEAM/SITE, or a site name in every team)")
	c.Flags().StringVar(&f.Team, "team", "", "only records of this team")
	c.Flags().StringVar(&f.since, "since", "", "only records at or after this date or time")
	c.Flags().StringVar(&f.until, "until", "", "only records before this date or time")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (an array of records)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.parse(); err != nil {
			return err
		}
		var raws []json.RawMessage
		var recs []*evidence.Record
		err := ops.Records(cmd.Context(), a.env(), f.RecordFilter, func(raw []byte, r *evidence.Record) error {
			raws = append(raws, json.RawMessage(raw))
			recs = append(recs, r)
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

func (a *app) evidenceExportCommand() *cobra.Command {
	c := newCommand("export", "Export all evidence for auditors: jsonl, csv, markdown, or a bundle to check without roster")
	c.Args = cobra.NoArgs
	var format, out string
	var pubFiles []string
	c.Flags().StringVar(&format, "format", "jsonl", "jsonl, csv, markdown or bundle")
	c.Flags().StringVar(&out, "out", "", "write to FILE (DIR for bundle) instead of standard output")
	c.Flags().StringArrayVar(&pubFiles, "public-key", nil, "bundle only: the public key (FILE.pub of roster keygen) of a key that signed checkpoints; repeatable (default: the key of $ROSTER_SIGNING_KEY)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		switch format {
		case "jsonl", "csv", "markdown":
			if len(pubFiles) > 0 {
				return &exitCode{code: ExitError, msg: "--public-key goes with --format bundle only"}
			}
		case "bundle":
			if out == "" {
				return &exitCode{code: ExitError, msg: "--format bundle needs --out DIR: the folder to write the bundle into"}
			}
			res, err := ops.Export(cmd.Context(), a.env(), ops.ExportRequest{Dir: out, PublicKeys: pubFiles})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote the evidence bundle to %s: %s, %s, %s. Check it without roster: sh %s\n",
				res.Dir, plural(int(res.Info.Records), "record", "records"), plural(res.Info.Checkpoints, "checkpoint", "checkpoints"),
				plural(len(res.Info.KeyIDs), "key", "keys"), filepath.Join(res.Dir, checkpoint.BundleVerify))
			return nil
		default:
			return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --format %q: expected jsonl, csv, markdown or bundle", format)}
		}
		var w io.Writer = a.stdout
		var file *fsx.File
		if out != "" {
			// Mode 0600, never seen half-written, and written through a
			// device, FIFO or link rather than replacing it (fsx).
			var err error
			file, err = fsx.Create(out, fsx.Options{Stdout: a.stdout, Context: cmd.Context()})
			if err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
			defer file.Discard()
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
			if err := file.Commit(); err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
		}
		return nil
	}
	return c
}

var csvHeader = []string{"seq", "time", "address", "kind", "team", "site", "person", "action", "role_before", "role_after",
	"risks", "why", "actor", "approvers", "commit", "change_request", "reason", "ticket", "plan_digest",
	"allow_mass_removal", "outcome", "api", "note", "follow_ups", "prev_hash", "hash", "change_ticket", "policy_digest"}

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
		strings.Join(r.API, "; "), r.Note, strings.Join(fus, " "), r.PrevHash, r.Hash, r.ChangeTicket, r.PolicyDigest}
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
func roleOf(raw []byte) string {
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
	c := newCommand("verify", "Recompute the evidence hash chain, and check signed checkpoints; exit 1 naming the first bad record or checkpoint")
	c.Long = `verify recomputes every evidence record's hash from its content and checks
each link; on success it prints the count and the head hash.

--public-key FILE also checks every checkpoint stored in the state: its
signature by the key its key id names (one of the keys given: repeat
--public-key for a key that signed before a rotation; a checkpoint by a key
not given fails), that it chains to the checkpoint before it
(prev_checkpoint), and that the record at its seq still has its hash.
Records after the last signed checkpoint fail verification, naming how
many, unless --allow-unsigned-tail is given.

--checkpoint FILE (as roster evidence checkpoint --json prints it) checks
that a checkpoint kept elsewhere is still in the chain; with --public-key,
its signature too. A chain rebuilt after an edit fails it, even one rebuilt
by someone who could write the state.

--bundle DIR checks an auditor's bundle (evidence export --format bundle)
with no state, as the bundle's verify.sh does; with --public-key, every key
that signed in the bundle must also be one of the keys given.`
	c.Args = cobra.NoArgs
	var pubFiles []string
	var cpFile string
	var allowTail bool
	c.Flags().StringArrayVar(&pubFiles, "public-key", nil, "check every stored checkpoint's signature with this public key (FILE.pub of roster keygen); repeatable")
	c.Flags().BoolVar(&allowTail, "allow-unsigned-tail", false, "with --public-key: accept records after the last signed checkpoint")
	c.Flags().StringVar(&cpFile, "checkpoint", "", "check that this checkpoint, kept outside the state, is still in the chain")
	var bundleDir string
	c.Flags().StringVar(&bundleDir, "bundle", "", "check an exported bundle (evidence export --format bundle) as its verify.sh does, with no state")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := ops.Verify(cmd.Context(), a.env(), ops.VerifyRequest{PublicKeys: pubFiles, Checkpoint: cpFile, AllowUnsignedTail: allowTail, Bundle: bundleDir})
		if err != nil {
			return err
		}
		res := v.Result
		if man := v.Manifest; man != nil {
			fmt.Fprintf(a.stdout, "Bundle verified: %s, head %s; %s by %s; the latest covers record %d.\n",
				plural(int(res.Records), "record", "records"), dash(res.Head), plural(man.Checkpoints, "checkpoint", "checkpoints"),
				plural(len(man.Keys), "key", "keys")+" "+strings.Join(man.Keys, ", "), res.Records)
			if e := v.External; e != nil {
				cp := e.Checkpoint
				fmt.Fprintf(a.stdout, "Checkpoint %s is in the chain: record %d still has hash %s (key %s, signed %s).\n", cpFile, cp.Seq, cp.Hash, cp.KeyID, cp.Time)
			}
			return nil
		}
		if res.Records == 0 {
			fmt.Fprintln(a.stdout, "Evidence verified: 0 records.")
		} else {
			fmt.Fprintf(a.stdout, "Evidence verified: %d records, head %s.\n", res.Records, res.Head)
		}
		if len(v.Keys) > 0 {
			if res.Last == nil {
				fmt.Fprintln(a.stdout, "No checkpoints.")
			} else {
				follow := "no record follows it"
				switch res.After {
				case 0:
				case 1:
					follow = "1 record follows it, not yet covered by a signature"
				default:
					follow = fmt.Sprintf("%d records follow it, not yet covered by a signature", res.After)
				}
				fmt.Fprintf(a.stdout, "Checkpoints verified: %s by key %s; the last signed, checkpoint %d, covers record %d (signed %s); %s.\n",
					plural(res.Checked, "checkpoint", "checkpoints"), keyIDs(v.Keys), res.LastN, res.Last.Seq, res.Last.Time, follow)
			}
		}
		if e := v.External; e != nil {
			cp := e.Checkpoint
			sig := "signature not checked: give --public-key to check it"
			if len(v.Keys) > 0 {
				sig = "signature verified"
			}
			fmt.Fprintf(a.stdout, "Checkpoint %s is in the chain: record %d still has hash %s (key %s, signed %s; %s).\n",
				cpFile, cp.Seq, cp.Hash, cp.KeyID, cp.Time, sig)
		}
		return nil
	}
	return c
}

func keyIDs(keys []*checkpoint.PublicKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return strings.Join(ids, " or ")
}

func (a *app) evidenceCheckpointCommand() *cobra.Command {
	c := newCommand("checkpoint", "The latest signed checkpoint, to keep outside roster")
	c.Long = `checkpoint prints the latest signed checkpoint of the evidence: the last
record's seq and hash when it was signed, the time, the key id and the
signature. --json prints it exactly as stored: keep that file outside the
state (in the pull request, a git tag, an auditor's folder) and check it
later with roster evidence verify --checkpoint FILE.`
	c.Args = cobra.NoArgs
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print the checkpoint's JSON exactly as stored")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		last, err := ops.LatestCheckpoint(cmd.Context(), a.env())
		if err != nil {
			return err
		}
		if asJSON {
			a.stdout.Write(last.Raw)
			if !bytes.HasSuffix(last.Raw, []byte("\n")) {
				fmt.Fprintln(a.stdout)
			}
			return nil
		}
		cp, err := checkpoint.Parse(last.Raw)
		if err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("checkpoint %d in the state cannot be read: %v; run roster evidence verify --public-key FILE", last.N, err)}
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "checkpoint\t%d\n", last.N)
		fmt.Fprintf(tw, "seq\t%d\n", cp.Seq)
		fmt.Fprintf(tw, "hash\t%s\n", cp.Hash)
		fmt.Fprintf(tw, "time\t%s\n", cp.Time)
		fmt.Fprintf(tw, "key id\t%s\n", cp.KeyID)
		fmt.Fprintf(tw, "signature\t%s\n", cp.Signature)
		return tw.Flush()
	}
	return c
}

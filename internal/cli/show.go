package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
	"github.com/roster-dev/roster/internal/render"
	"github.com/roster-dev/roster/internal/state"
)

func (a *app) showCommand() *cobra.Command {
	c := newCommand("show [PLANFILE]", "Show the current state, or a saved plan")
	c.Long = `show prints the current state (lineage, serial and every object's
attributes), or with PLANFILE a plan saved by roster plan --out, as the
plan printed it. --json prints the state as schema/state.schema.json
describes it, or the saved plan as schema/plan.schema.json does.`
	c.Args = cobra.MaximumNArgs(1)
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 1 {
			p, err := ops.ReadPlanFile(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return render.WriteJSON(a.stdout, p, Version)
			}
			return render.WriteText(a.stdout, p, render.TextOptions{Color: a.color(a.stdout)})
		}
		snap, err := ops.Snapshot(cmd.Context(), a.env())
		if err != nil {
			return err
		}
		if asJSON {
			return writeStateJSON(a.stdout, snap)
		}
		if snap.Empty() {
			fmt.Fprintln(a.stdout, "The state is empty: nothing has been applied yet.")
			return nil
		}
		fmt.Fprintf(a.stdout, "State %s, serial %d, %s.\n", snap.Lineage, snap.Serial, plural(len(snap.Objects), "object", "objects"))
		for _, o := range snap.Objects {
			fmt.Fprintln(a.stdout)
			writeObject(a.stdout, o)
		}
		return nil
	}
	return c
}

// stateJSON is `show --json` without a plan file.
type stateJSON struct {
	FormatVersion string            `json:"format_version"`
	Lineage       string            `json:"lineage"`
	Serial        uint64            `json:"serial"`
	Objects       []stateObjectJSON `json:"objects"`
}

type stateObjectJSON struct {
	Address string         `json:"address"`
	Kind    string         `json:"kind"`
	Attrs   jsontext.Value `json:"attrs"`
}

func writeStateJSON(w io.Writer, snap *state.Snapshot) error {
	doc := stateJSON{FormatVersion: "1", Lineage: snap.Lineage, Serial: snap.Serial, Objects: make([]stateObjectJSON, 0, len(snap.Objects))}
	for _, o := range snap.Objects {
		doc.Objects = append(doc.Objects, stateObjectJSON{Address: o.Addr.String(), Kind: o.Addr.Kind.String(), Attrs: o.AttrsJSON()})
	}
	return writeJSON(w, doc)
}

// writeObject prints an object as `# ADDRESS` and aligned attributes.
func writeObject(w io.Writer, o *model.Object) {
	fmt.Fprintf(w, "# %s\n", o.Addr)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, at := range o.Attrs() {
		fmt.Fprintf(tw, "%s\t= %s\n", at.Name, formatValue(at.Value))
	}
	tw.Flush()
}

// formatValue prints an attribute value as HCL would.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprint(x)
	case string:
		return quoteJSON(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = quoteJSON(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// quoteJSON is s as a JSON string, escaped as the JSON documents are.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s, jsonOpts)
	return string(b)
}

func (a *app) stateCommand() *cobra.Command {
	c := newCommand("state", "Read the state (list, show); rename (mv) or forget (rm) by hand; copy it to another store (migrate)")
	list := newCommand("list", "List every address in the state, one per line, sorted")
	list.Args = cobra.NoArgs
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		snap, err := ops.Snapshot(cmd.Context(), a.env())
		if err != nil {
			return err
		}
		for _, o := range snap.Objects {
			fmt.Fprintln(a.stdout, o.Addr.String())
		}
		return nil
	}
	show := newCommand("show ADDRESS", "Show one object's attributes")
	show.Args = cobra.ExactArgs(1)
	show.ValidArgsFunction = a.completeOnce(ops.CompleteAddresses)
	show.RunE = func(cmd *cobra.Command, args []string) error {
		addr, err := model.ParseAddress(args[0])
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		snap, err := ops.Snapshot(cmd.Context(), a.env())
		if err != nil {
			return err
		}
		for _, o := range snap.Objects {
			if o.Addr == addr {
				writeObject(a.stdout, o)
				return nil
			}
		}
		return &exitCode{code: ExitError, msg: fmt.Sprintf("no object %s in the state (roster state list shows what there is)", addr)}
	}
	c.AddCommand(list, show, a.stateMigrateCommand(),
		a.stateEditCommand("mv FROM TO", "Rename an object in the state, with what is under it (evidence: move)", 2),
		a.stateEditCommand("rm ADDRESS", "Forget an object, and what is under it, in the state only (evidence: forget)", 1))
	return c
}

func (a *app) historyCommand() *cobra.Command {
	c := newCommand("history", "List applied changesets: serial, time, actor, counts")
	c.Args = cobra.NoArgs
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		hist, err := ops.History(cmd.Context(), a.env())
		if err != nil {
			return err
		}
		if asJSON {
			if hist == nil {
				hist = []state.HistoryEntry{}
			}
			for i := range hist {
				if hist[i].Changes == nil {
					hist[i].Changes = []state.HistoryChange{}
				}
			}
			return writeJSON(a.stdout, hist)
		}
		if len(hist) == 0 {
			fmt.Fprintln(a.stdout, "No history: nothing has been applied yet.")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tTIME\tACTOR\tADD\tCHANGE\tREMOVE\tCOMMIT")
		for _, h := range hist {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%s\n", h.Serial, h.Time.UTC().Format("2006-01-02T15:04:05Z"), h.Actor, h.Add, h.Change, h.Remove, shortCommit(h.Commit))
		}
		return tw.Flush()
	}
	return c
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	if c == "" {
		return "-"
	}
	return c
}

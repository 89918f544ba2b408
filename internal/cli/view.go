package cli

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

// env is where the operations run: the configuration directory, the
// state, the drivers, and this command's terminal as their view.
func (a *app) env() *ops.Env {
	return &ops.Env{Dir: a.dir(), State: a.statePath(), Drivers: driverFactories, Version: Version, View: termView{a}, Log: httpc.DebugLog()}
}

// termView shows what an operation says while it runs on standard error.
type termView struct{ a *app }

var _ ops.View = termView{}

func (v termView) Warnings(diags hcl.Diagnostics, files map[string]*hcl.File, limit int) {
	v.a.endProgress()
	var ws hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			ws = append(ws, d)
		}
	}
	more := 0
	if limit > 0 && len(ws) > limit {
		ws, more = ws[:limit], len(ws)-limit
	}
	if len(ws) > 0 {
		diag.WriteText(v.a.stderr, ws, files)
		v.a.stderr.Write([]byte("\n"))
	}
	if more > 0 {
		fmt.Fprintf(v.a.stderr, "… and %s more (roster validate lists them all).\n\n", plural(more, "warning", "warnings"))
	}
}

func (v termView) Errors(diags hcl.Diagnostics, files map[string]*hcl.File) {
	v.a.endProgress()
	diag.WriteText(v.a.stderr, diags, files)
	fmt.Fprintln(v.a.stderr)
}

func (v termView) Note(text string) { v.a.endProgress(); fmt.Fprintf(v.a.stderr, "Note: %s\n", text) }
func (v termView) Warning(text string) {
	v.a.endProgress()
	fmt.Fprintf(v.a.stderr, "Warning: %s\n\n", text)
}
func (v termView) Error(text string)  { v.a.endProgress(); fmt.Fprintf(v.a.stderr, "Error: %s\n", text) }
func (v termView) Notify(text string) { v.a.endProgress(); fmt.Fprintln(v.a.stderr, text) }

// endProgress clears the progress line, if one is shown, so that what
// follows on stderr starts a line of its own.
func (a *app) endProgress() {
	if a.progressShown.Swap(false) {
		fmt.Fprint(a.stderr, "\r\033[K")
	}
}

// Progress counts an apply's changes on a terminal, on one line.
func (v termView) Progress() func(done, total int, addr model.Address) {
	if !isTerminal(v.a.stderr) {
		return nil
	}
	return func(done, total int, addr model.Address) {
		v.a.progressShown.Store(true) // before it is written: a notice meanwhile clears it
		fmt.Fprintf(v.a.stderr, "\r\033[K[%d/%d] %s", done, total, addr)
		if done == total {
			v.a.endProgress()
		}
	}
}

// warn prints the warnings among diags.
func (a *app) warn(diags hcl.Diagnostics, files map[string]*hcl.File) {
	termView{a}.Warnings(diags, files, 0)
}

package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/ops"
)

// Version is roster's version; Commit is set by the build (Makefile).
var (
	Version = "0.1.0"
	Commit  = "unknown"
)

// Exit statuses of schema/cli.md.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2 // plan --detailed-exitcode with changes
)

// exitCode is an error that carries an exit status and has already been
// reported (or needs no report).
type exitCode struct {
	code int
	msg  string
}

func (e *exitCode) Error() string { return e.msg }

// silentExit ends the command with a status after output was written.
func silentExit(code int) error { return &exitCode{code: code} }

// diagError carries diagnostics to be printed by Main.
type diagError struct {
	diags hcl.Diagnostics
	files map[string]*hcl.File
}

func (e *diagError) Error() string { return e.diags.Error() }

// Main runs roster with os.Args and returns the exit status.
func Main() int {
	tuneGC()
	ctx, stop := interruptContext(os.Stderr)
	defer stop()
	return RunContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// ExitInterrupted is the status of a command stopped at once by a second
// Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const ExitInterrupted = 130

// interruptContext is the command's context: the first SIGINT or SIGTERM
// cancels it, so every blocking read, parse and database call returns
// and the command ends the way it ends on any failure (an apply with its
// failure line). A second signal exits at once with ExitInterrupted,
// after removing the temporary files of unfinished outputs; the system
// releases the locks (a flock, the PostgreSQL connection) with the
// process.
func interruptContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go watchInterrupts(sigs, cancel, stderr, os.Exit)
	// The signals stay caught until the process exits: stopping here
	// would let a second Ctrl-C during the orderly end kill roster
	// without its exit status.
	return ctx, cancel
}

// watchInterrupts cancels the command at the first signal and exits at
// the second.
func watchInterrupts(sigs <-chan os.Signal, cancel func(), stderr io.Writer, exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	cancel()
	if _, ok := <-sigs; !ok {
		return
	}
	fsx.RemoveTemps()
	fmt.Fprintln(stderr, "\nError: interrupted twice: stopped at once; what was committed to the state stays, and roster plan shows what is left")
	exit(ExitInterrupted)
}

// tuneGC sets a soft memory limit, so that a very large configuration
// collects harder rather than pass 1 GiB (schema/performance.md). The
// collector's target stays Go's default (GOGC=100): since the loader drops
// syntax trees block by block and the plan points at the configuration's
// objects, the live heap of a 100,000-grant plan is about 110 MB, and a
// higher target (400 until issue 22) only multiplied the peak RSS (455
// against 280 MiB) without saving CPU time (the page faults of the larger
// heap cost what the fewer collections saved).
//
// Only small heaps differ: Go collects first at 4 MB, and a 10,000-grant
// plan went through 14 collections on a heap that never passed 30 MB,
// each stopping the loader's goroutines. So while the live heap stays
// under half of startHeap, the collector runs only when the process holds
// startHeap; past it, GOGC=100 and the 900 MiB limit apply (a
// 100,000-grant plan gets there within its first collections). apply
// PLANFILE hands over to a higher target (tuneGCForApply). GOGC and
// GOMEMLIMIT, when set, win.
func tuneGC() {
	gc.Lock()
	defer gc.Unlock()
	if os.Getenv("GOMEMLIMIT") != "" {
		gc.handedOver = true
		return
	}
	if os.Getenv("GOGC") != "" {
		gc.handedOver = true
		debug.SetMemoryLimit(memoryLimit)
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startHeap)
	afterNextGC(floorHeap)
}

// gc is the collector's settings past the small-heap phase: the target
// (GOGC) it hands over to, and whether it has.
var gc struct {
	sync.Mutex
	percent    int // 0: 100
	handedOver bool
}

const (
	// memoryLimit is the soft limit of every command.
	memoryLimit = 900 << 20
	// startHeap is what a command may hold before it collects.
	startHeap = 64 << 20
)

// floorHeap runs after each collection while the heap is small: it keeps
// collecting at startHeap, or hands over to GOGC=100 once the live heap
// is half of it.
func floorHeap() {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() == metrics.KindUint64 && live[0].Value.Uint64() < startHeap/2 {
		afterNextGC(floorHeap)
		return
	}
	floorHeapHandOver()
}

// floorHeapHandOver ends the small-heap phase: the target of gc.percent
// (100 unless apply raised it) and the memory limit.
func floorHeapHandOver() {
	gc.Lock()
	defer gc.Unlock()
	gc.handedOver = true
	debug.SetGCPercent(cmp.Or(gc.percent, 100))
	debug.SetMemoryLimit(memoryLimit)
}

// afterNextGC calls fn once a collection has run: the finalizer of an
// object nothing points at runs after the first cycle that finds it.
func afterNextGC(fn func()) {
	type sentinel struct{ _ *int } // holds a pointer: never batched by the tiny allocator
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) { fn() })
}

// tuneGCForApply raises the collector's target to 400 for apply PLANFILE,
// unless GOGC is set. An apply holds the plan, every record and object it
// writes and bbolt's dirty pages at once (about 650 MB live for 100,000
// grants), so its heap meets the memory limit whatever the target, and
// peak RSS stays there (930 MB either way); Go's default target only
// made more collections on the way: 0.4 CPU s of 5.5 for that apply.
func tuneGCForApply() {
	if os.Getenv("GOGC") != "" {
		return
	}
	gc.Lock()
	defer gc.Unlock()
	gc.percent = 400
	if gc.handedOver {
		debug.SetGCPercent(400)
	}
}

// Run runs roster with the given arguments and streams and returns the exit
// status. It never lets a panic escape as a stack trace.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	return RunContext(context.Background(), args, stdin, stdout, stderr)
}

// RunContext is Run with the command's context (cancelled on interrupt).
func RunContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "Error: internal error: %v\n\nThis is a bug in roster %s; please report it with the command you ran.\n", r, Version)
			if os.Getenv("ROSTER_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = ExitError
		}
	}()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(terraformFlags(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return a.report(err)
}

// report prints err (if it has not been printed) and returns the status.
func (a *app) report(err error) int {
	if err == nil {
		return ExitOK
	}
	a.endProgress() // an apply that stopped with an error may leave it shown
	var ec *exitCode
	if errors.As(err, &ec) {
		if ec.msg != "" {
			fmt.Fprintf(a.stderr, "Error: %s\n", ec.msg)
		}
		return ec.code
	}
	var de *diagError
	var ode *ops.DiagError
	if errors.As(err, &ode) {
		de = &diagError{diags: ode.Diags, files: ode.Files}
	}
	if de != nil || errors.As(err, &de) {
		diag.WriteText(a.stderr, de.diags, de.files)
		if de.diags.HasErrors() {
			return ExitError
		}
		return ExitOK
	}
	if errors.Is(err, ops.ErrFailed) {
		return ExitError
	}
	fmt.Fprintf(a.stderr, "Error: %s\n", err)
	return ExitError
}

// newCommand returns a command with roster's common settings.
func newCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:           use,
		Short:         short,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
}

// terraformFlags turns the single-dash long flags a Terraform user types
// (-out FILE, -detailed-exitcode, -refresh=false, -chdir DIR) into their
// double-dash forms (schema/cli.md, version 2). Only names that are long flags of
// the command being run are rewritten, so shorthands (-h), a lone "-"
// (standard input) and values that merely begin with a dash stay as they
// are, and nothing after "--" is touched. Global flags before the command
// name (-chdir DIR plan) are rewritten first, so that finding the command
// does not take their values for its name.
func terraformFlags(root *cobra.Command, args []string) []string {
	args = rewriteFlags(args, root.PersistentFlags().Lookup, true)
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return args
	}
	cmd.InitDefaultHelpFlag()    // -help, as terraform takes it
	cmd.InitDefaultVersionFlag() // roster -version, as terraform -version
	return rewriteFlags(args, func(name string) *pflag.Flag {
		if f := cmd.Flags().Lookup(name); f != nil {
			return f
		}
		return cmd.InheritedFlags().Lookup(name)
	}, false)
}

// rewriteFlags returns args with each single-dash long flag lookup knows
// given its double dash; leading stops at the first argument that is not a
// flag (the command's name).
func rewriteFlags(args []string, lookup func(string) *pflag.Flag, leading bool) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		arg := out[i]
		if arg == "--" || leading && !strings.HasPrefix(arg, "-") {
			break
		}
		if strings.HasPrefix(arg, "--") {
			// A value flag given as --name VALUE: skip its value.
			name, _, hasValue := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
			if f := lookup(name); f != nil && f.NoOptDefVal == "" && !hasValue {
				i++
			}
			continue
		}
		if len(arg) < 3 || arg[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(arg[1:], "=")
		f := lookup(name)
		if len(name) < 2 || f == nil {
			continue
		}
		out[i] = "-" + arg
		if !hasValue && f.NoOptDefVal == "" {
			i++ // -out FILE: FILE is the flag's value, whatever it looks like
		}
	}
	return out
}

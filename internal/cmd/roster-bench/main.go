// Command roster-bench is `make bench`: it measures roster's whole
// commands against the targets of schema/performance.md on this machine, now.
//
// It generates the workloads (internal/gen: 10,000 and 100,000 grants in a
// file per team, the 100,000 also in one big file, 300,000 grants for the
// memory ceiling, and a 1,000,000-record evidence chain, cached between
// runs under -cache), then runs the commands of the table in 7 rounds, each
// command once per round, so that load from other processes falls on all
// of them alike. Each run is a separate process, timed from outside
// (process start included), with its CPU time (user+sys) and peak RSS, and
// is preceded by P — hclparse.ParseHCLFile over every file of the
// command's configuration, nothing else, in this process after a warm-up.
// Every figure is the median of its 7 (peak RSS: the highest). It prints
// the measured seconds beside P, the ratio and the target, PASS or FAIL;
// the growth of plan time from 10k to 100k against P's own; and the
// growth of plan CPU time per grant from 10k to 100k.
//
// Beside performance.md's targets it holds issue 22's: peak RSS of a 100k
// plan ≤ 300 MiB (either workload), of a 300k plan under 1 GiB, and CPU
// time per grant growing at most 1.2 times from 10k to 100k. CPU time and
// peak RSS depend less than wall time on other processes competing for
// the machine.
//
// The PostgreSQL rows run against -postgres URL, else $ROSTER_TEST_POSTGRES:
// the saved 100k plan is applied into a fresh schema (roster_bench_ and 12
// hex digits) on each run, so every apply starts from an empty state, and
// the no-change plan runs against the first one's. The schemas are dropped
// at the end with psql (kept with -keep; without psql, the end says which
// to drop). Without a URL both rows are printed as skipped.
//
// It exits 0 when every command ran, whether or not the targets are met
// (it reports); 1 only when it could not measure. A command whose first
// run takes over three times its target is not run again.
//
// Usage:
//
//	roster-bench -roster bin/roster [-runs 7] [-now 2026-12-01] [-work DIR] [-keep]
//	             [-small 10000] [-large 100000] [-huge 300000] [-records 1000000] [-cache DIR] [-fresh] [-seed 1]
//	             [-postgres postgres://USER@HOST:PORT/DB?sslmode=disable]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/roster-dev/roster/internal/gen"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// options are the command line.
type options struct {
	roster  string
	runs    int
	now     string
	work    string
	keep    bool
	small   int
	large   int
	huge    int
	records int
	cache   string
	fresh   bool
	seed    uint64
	pg      string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == runnerArg {
		os.Exit(runOne(os.Args[2:], os.Stdout))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("roster-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.roster, "roster", "bin/roster", "the roster binary to measure")
	fs.IntVar(&o.runs, "runs", 7, "runs of each command, interleaved with the others'; the median counts")
	fs.StringVar(&o.now, "now", "2026-12-01", "--now for every command: generated expiries lie after it")
	fs.StringVar(&o.work, "work", "", "directory for configurations, states and outputs (default: a new temporary directory, removed at the end)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory")
	fs.IntVar(&o.small, "small", 10_000, "grants of the small workload")
	fs.IntVar(&o.large, "large", 100_000, "grants of the large workload (files per team, and one file)")
	fs.IntVar(&o.huge, "huge", 300_000, "grants of the huge workload, whose plan must stay under 1 GiB (0: skip that row)")
	fs.IntVar(&o.records, "records", 1_000_000, "evidence records for `evidence verify` (0: skip)")
	fs.StringVar(&o.cache, "cache", filepath.Join(os.TempDir(), "roster-bench-cache"), "where the evidence state is kept between runs")
	fs.BoolVar(&o.fresh, "fresh", false, "rebuild the cached evidence state")
	fs.Uint64Var(&o.seed, "seed", 1, "generator seed")
	fs.StringVar(&o.pg, "postgres", "", "PostgreSQL database for the PostgreSQL rows, a postgres:// URL (default: $"+pgEnv+"; neither: those rows are skipped)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "roster-bench: unexpected argument %q (see -help)\n", fs.Arg(0))
		return 2
	}
	b, err := newBench(o, stdout)
	if err == nil {
		err = b.run()
	}
	if b != nil {
		b.cleanup()
	}
	if err != nil {
		fmt.Fprintf(stderr, "roster-bench: %v\n", err)
		return 1
	}
	return 0
}

// bench is one run of the whole measurement.
type bench struct {
	o         options
	out       io.Writer
	roster    string
	work      string
	ownWork   bool
	now       time.Time
	pg        string   // the PostgreSQL URL, or "": skip those rows
	pgSchemas []string // the schemas made, dropped by cleanup
}

func newBench(o options, out io.Writer) (*bench, error) {
	if o.runs < 1 {
		return nil, fmt.Errorf("-runs must be at least 1, not %d", o.runs)
	}
	if o.small < 1 || o.large < 1 || o.records < 0 || o.huge < 0 {
		return nil, errors.New("-small and -large must be at least 1, -huge and -records at least 0")
	}
	now, err := time.Parse("2006-01-02", o.now)
	if err != nil {
		return nil, fmt.Errorf("-now %q is not a date (YYYY-MM-DD)", o.now)
	}
	pg := o.pg
	if pg == "" {
		pg = os.Getenv(pgEnv)
	}
	if pg != "" {
		if err := checkPostgresURL(pg); err != nil {
			return nil, err
		}
	}
	roster, err := filepath.Abs(o.roster)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(roster); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("no roster binary at %s: build it first (make build), or name it with -roster", o.roster)
	}
	b := &bench{o: o, out: out, roster: roster, now: now, work: o.work, pg: pg}
	if b.work == "" {
		b.work, err = os.MkdirTemp("", "roster-bench-")
		if err != nil {
			return nil, err
		}
		b.ownWork = !o.keep
	} else if err := os.MkdirAll(b.work, 0o755); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) cleanup() {
	b.dropSchemas()
	if b.ownWork {
		os.RemoveAll(b.work)
	} else if b.o.keep {
		fmt.Fprintf(b.out, "\nWork directory kept: %s\n", b.work)
	}
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, format+"\n", args...)
}

func (b *bench) run() error {
	b.logf("roster-bench: performance.md targets, measured %s", time.Now().UTC().Format(time.RFC3339))
	b.logf("  machine: %s/%s, %d CPUs, %s; load average %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAvg())
	b.logf("  roster:  %s (%s)", b.roster, firstLine(b.version()))
	b.logf("  work:    %s; %d runs per command, median; --now %s", b.work, b.o.runs, b.o.now)
	b.logf("  postgres: %s", b.pgHeader())

	small, err := b.generate("small", b.o.small, false)
	if err != nil {
		return err
	}
	large, err := b.generate("large", b.o.large, false)
	if err != nil {
		return err
	}
	oneFile, err := b.generate("large-one-file", b.o.large, true)
	if err != nil {
		return err
	}
	var huge *workload
	if b.o.huge > 0 {
		if huge, err = b.generate("huge", b.o.huge, false); err != nil {
			return err
		}
	}
	// A warm-up parse of each, so that every P after it is warm.
	for _, w := range []*workload{small, large, oneFile, huge} {
		if w == nil {
			continue
		}
		if _, err := parseAll(w.dir, w.cfg); err != nil {
			return err
		}
	}

	var rows []row
	empty := filepath.Join(b.work, "empty", "state.db") // never created: plans read it as empty
	global := func(dir, statePath string) []string {
		return []string{"--chdir", dir, "--state", statePath, "--now", b.o.now, "--no-color"}
	}
	plan := func(w *workload, args ...string) func(int) cmdSpec {
		return func(int) cmdSpec { return cmdSpec{args: append(append(global(w.dir, empty), "plan"), args...)} }
	}

	planSmall := b.newJob(fmt.Sprintf("plan, %s grants, empty state", small.label), small, 2.5, plan(small))
	planLarge := b.newJob(fmt.Sprintf("plan, %s grants, empty state", large.label), large, 2.5, plan(large))
	planOne := b.newJob(fmt.Sprintf("plan, %s grants in one file, empty", large.label), oneFile, 2.5, plan(oneFile))
	jsonLarge := b.newJob(fmt.Sprintf("plan --format json, %s, empty", large.label), large, 2.5, plan(large, "--format", "json"))
	jobs := []*job{planSmall, planLarge, planOne, jsonLarge}

	// The saved plan that every apply run applies, made once, untimed.
	planFile := filepath.Join(b.work, "plan-large.roster")
	saved := b.once(cmdSpec{args: append(global(large.dir, empty), "plan", "--out", planFile)})
	applyName, noChangeName := fmt.Sprintf("apply PLANFILE, %s grants", large.label), fmt.Sprintf("plan, %s grants, no change", large.label)
	var applyM, noChange *measurement
	if saved != nil {
		applyM = &measurement{name: applyName, err: fmt.Errorf("saving the plan failed: %v", saved)}
		noChange = &measurement{name: noChangeName, err: applyM.err}
	} else {
		// Each apply starts from an empty state; the no-change plans read
		// the state of the first, which runs before the first of them.
		apply := b.newJob(applyName, large, 8, func(i int) cmdSpec {
			st := filepath.Join(b.work, fmt.Sprintf("apply-%d", i), "state.db")
			return cmdSpec{args: append(global(large.dir, st), "apply", planFile), before: func() error {
				return os.RemoveAll(filepath.Dir(st)) // a fresh state each run
			}}
		})
		applied := filepath.Join(b.work, "apply-0", "state.db")
		nc := b.newJob(noChangeName, large, 2.5, func(int) cmdSpec {
			return cmdSpec{args: append(global(large.dir, applied), "plan", "--detailed-exitcode")}
		})
		applyM, noChange = apply.m, nc.m
		jobs = append(jobs, apply, nc)
	}
	var planHuge *job
	if huge != nil {
		planHuge = b.newJob(fmt.Sprintf("plan, %s grants, empty state", huge.label), huge, 2.5, plan(huge))
		jobs = append(jobs, planHuge)
	}

	b.logf("\nRunning the commands in %d rounds, each command once per round in this order, each run", b.o.runs)
	b.logf("after measuring P of its configuration (hclparse.ParseHCLFile over every file, in this process):")
	b.interleave(jobs...)
	for i := 1; i < b.o.runs; i++ {
		os.RemoveAll(filepath.Join(b.work, fmt.Sprintf("apply-%d", i)))
	}

	rows = append(rows, ratioRow(planSmall.m, 2.5, 0), ratioRow(planLarge.m, 2.5, largeRSS), ratioRow(planOne.m, 2.5, largeRSS),
		ratioRow(jsonLarge.m, 2.5, 1<<30), ratioRow(noChange, 2.5, 0), ratioRow(applyM, 8, 0))
	if planHuge != nil {
		rows = append(rows, ratioRow(planHuge.m, 2.5, 1<<30))
	}
	rows = append(rows, growthRow(planSmall.m, planLarge.m, small.label, large.label),
		cpuGrowthRow(planSmall.m, planLarge.m, small.label, large.label, b.o.small, b.o.large))

	if b.o.records > 0 {
		verify := b.verify(global)
		rows = append(rows, absRow(verify, 10*time.Second))
	}
	rows = append(rows, b.postgres(large, planFile, saved, global)...)

	b.logf("")
	writeTable(b.out, rows)
	b.logf("\nseconds: wall clock of the whole command, process start included; cpu s: its user+sys time;")
	b.logf("each the median of the runs; peak RSS: the highest of the runs.")
	b.logf("P: hclparse over the same files, measured just before; ratio: seconds / P (the target's);")
	b.logf("cpu ratio: cpu s / P's cpu s, steadier than the wall ratio when other processes compete.")
	if b.pg != "" {
		b.logf("PostgreSQL rows: cpu s is roster's alone; the server's work is not in it (its cpu ratio understates the cost).")
	}
	la := loadAvg()
	b.logf("Load average after: %s.", la)
	if busy(la) {
		b.logf("WARNING: the load average is above the %d CPUs: other processes ran beside the benchmark, so the", runtime.NumCPU())
		b.logf("wall-clock figures (and their ratios) are unreliable; compare the cpu ratio, or run again when the machine is idle.")
	}
	b.logf("\n%s", summary(rows))
	return nil
}

func (b *bench) version() string {
	out, err := exec.Command(b.roster, "version").Output()
	if err != nil {
		return "version unknown: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}

// workload is a generated configuration on disk.
type workload struct {
	label string
	dir   string
	cfg   *gen.Config
}

func (b *bench) generate(name string, grants int, oneFile bool) (*workload, error) {
	start := time.Now()
	cfg, err := gen.Generate(gen.Options{Grants: grants, Seed: b.o.seed, Now: b.now, OneFile: oneFile})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.work, "config-"+name)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := cfg.WriteDir(dir); err != nil {
		return nil, err
	}
	s := cfg.Stats
	w := &workload{label: count(grants), dir: dir, cfg: cfg}
	b.logf("  %s, %s: %d grants (%d guests, %d members, %d groups), %d teams, %d sites, %d objects; %s, %.1f MB of HCL (generated in %s s)",
		w.label, name, s.Grants, s.Guests, s.Members, s.Groups, s.Teams, s.Sites, s.Objects, plural(len(cfg.Files), "file"), float64(s.Bytes)/1e6, secs(time.Since(start)))
	return w, nil
}

// plural is n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// count names a number of grants or records: 10k, 100k, 1M.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// pFloor is P: the median wall-clock and CPU time of parsing a
// configuration with hclparse alone.
type pFloor struct {
	wall, cpu time.Duration
}

// measureP is P: hclparse.ParseHCLFile over every file of the
// configuration, nothing else, in this process: the median of runs (the
// warm-up is the caller's).
func measureP(dir string, cfg *gen.Config, runs int) (pFloor, error) {
	var walls, cpus []time.Duration
	for range runs {
		runtime.GC()
		c0 := selfCPU()
		d, err := parseAll(dir, cfg)
		if err != nil {
			return pFloor{}, err
		}
		walls = append(walls, d)
		cpus = append(cpus, selfCPU()-c0)
	}
	return pFloor{wall: median(walls), cpu: median(cpus)}, nil
}

// selfCPU is the user+sys time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func parseAll(dir string, cfg *gen.Config) (time.Duration, error) {
	start := time.Now()
	p := hclparse.NewParser() // a new parser: it caches files by name
	for _, f := range cfg.Files {
		if _, diags := p.ParseHCLFile(filepath.Join(dir, f.Name)); diags.HasErrors() {
			return 0, fmt.Errorf("parsing %s: %s", f.Name, diags.Error())
		}
	}
	return time.Since(start), nil
}

// cmdSpec is one run of roster.
type cmdSpec struct {
	args   []string
	before func() error // untimed preparation
}

// largeRSS is the ceiling of peak RSS of a plan of the large workload
// (issue 22: 300 MiB at 100,000 grants).
const largeRSS = 300 << 20

// measurement is what the runs of one command gave.
type measurement struct {
	name  string
	p     pFloor // P of the command's configuration, measured beside it
	note  string
	wall  []time.Duration
	cpu   []time.Duration
	rss   int64 // peak of the runs, bytes
	bytes int64 // stdout of the last run
	err   error
}

func (m *measurement) median() time.Duration    { return median(m.wall) }
func (m *measurement) medianCPU() time.Duration { return median(m.cpu) }

// giveUp: a command whose first run takes this many times its target is
// not run again: its verdict is clear, and `make bench` should not take
// many minutes because one command is far off.
const giveUp = 3

// job is one command to measure, b.o.runs times: its target is target ×
// P of w, or target seconds without w. Exit status 0 is success (plan
// --detailed-exitcode says no change with it).
type job struct {
	m      *measurement
	w      *workload
	target float64
	spec   func(i int) cmdSpec
	walls  []time.Duration // P, one per run
	cpus   []time.Duration
	done   bool // failed, or gave up
}

func (b *bench) newJob(name string, w *workload, target float64, spec func(i int) cmdSpec) *job {
	return &job{m: &measurement{name: name}, w: w, target: target, spec: spec}
}

// measure measures one command on its own (see interleave).
func (b *bench) measure(name string, w *workload, target float64, spec func(i int) cmdSpec) *measurement {
	j := b.newJob(name, w, target, spec)
	b.interleave(j)
	return j.m
}

// interleave runs the jobs b.o.runs times in rounds: the first run of
// each in order, then the second of each, and so on, so that a spell of
// load from other processes falls on every command alike rather than on
// all the runs of one. Each run is preceded by one P of its workload (a
// parse in this process, after the warm-up); each P is the median of
// those. A command whose first run takes over giveUp times its target is
// not run again.
func (b *bench) interleave(jobs ...*job) {
	for i := range b.o.runs {
		for _, j := range jobs {
			if j.done {
				continue
			}
			b.runJob(j, i)
		}
	}
	for _, j := range jobs {
		j.m.p = pFloor{wall: median(j.walls), cpu: median(j.cpus)}
	}
}

// runJob is run i of j, with its P, printed as one line.
func (b *bench) runJob(j *job, i int) {
	m := j.m
	fmt.Fprintf(b.out, "  %d/%d %-43s", i+1, b.o.runs, m.name)
	fail := func(err error) {
		m.err, j.done = err, true
		fmt.Fprintf(b.out, " ERROR\n")
	}
	var p pFloor
	if j.w != nil {
		var err error
		if p, err = measureP(j.w.dir, j.w.cfg, 1); err != nil {
			fail(err)
			return
		}
		j.walls, j.cpus = append(j.walls, p.wall), append(j.cpus, p.cpu)
		fmt.Fprintf(b.out, " P %6s |", secs(p.wall))
	}
	s := j.spec(i)
	if s.before != nil {
		if err := s.before(); err != nil {
			fail(err)
			return
		}
	}
	r := b.exec(s.args)
	if r.err != nil {
		fail(r.err)
		return
	}
	m.wall = append(m.wall, r.wall)
	m.cpu = append(m.cpu, r.cpu)
	m.rss = max(m.rss, r.rss)
	m.bytes = r.stdout
	fmt.Fprintf(b.out, " %6s s, cpu %6s s, %s", secs(r.wall), secs(r.cpu), mib(r.rss))
	limit := time.Duration(j.target * float64(time.Second))
	if j.w != nil {
		limit = time.Duration(j.target * float64(p.wall))
	}
	if i == 0 && b.o.runs > 1 && r.wall > giveUp*limit {
		m.note = fmt.Sprintf("1 run only: it took over %d times its target, so it was not repeated", giveUp)
		fmt.Fprintf(b.out, " (over %d× its target: not repeated)", giveUp)
		j.done = true
	}
	fmt.Fprintln(b.out)
}

// once runs a command untimed and returns its failure.
func (b *bench) once(s cmdSpec) error {
	return b.exec(s.args).err
}

type result struct {
	wall, cpu time.Duration
	rss       int64
	stdout    int64
	err       error
}

// exec runs roster with args, stdout into a file of the work directory
// (as `> plan.json` would), and measures it from outside, through a
// runner (see runOne).
func (b *bench) exec(args []string) result {
	self, err := os.Executable()
	if err != nil {
		return result{err: err}
	}
	outPath := filepath.Join(b.work, "stdout")
	var stdout, stderr strings.Builder
	cmd := exec.Command(self, append([]string{runnerArg, outPath, b.roster}, args...)...)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return result{err: fmt.Errorf("the runner failed: %v\n%s", err, tail(stderr.String(), 20))}
	}
	var rep report
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		return result{err: fmt.Errorf("the runner said %q: %v", stdout.String(), err)}
	}
	if rep.Error != "" {
		return result{err: fmt.Errorf("roster %s: %s", strings.Join(args, " "), rep.Error)}
	}
	return result{wall: time.Duration(rep.WallNS), cpu: time.Duration(rep.CPUNS), rss: rep.MaxRSS, stdout: rep.Stdout}
}

// runnerArg, as the first argument, makes roster-bench the runner.
const runnerArg = "__run"

// report is what the runner prints: one JSON object.
type report struct {
	WallNS int64  `json:"wall_ns"`
	CPUNS  int64  `json:"cpu_ns"`
	MaxRSS int64  `json:"max_rss"`
	Stdout int64  `json:"stdout_bytes"`
	Error  string `json:"error,omitempty"`
}

// runOne is the runner: `roster-bench __run OUTFILE PROGRAM ARGS...` runs
// PROGRAM with its stdout into OUTFILE and prints a report. Commands are
// run through it, a small fresh process, because Linux charges a child
// the peak RSS of the process that forked it (its memory map is shared
// until exec): started from roster-bench itself, which holds the
// generated configurations, every command would seem to use hundreds of
// MiB it never touched.
func runOne(args []string, stdout io.Writer) int {
	rep := report{}
	defer func() {
		// One line; a program's stderr that is not UTF-8 is written with
		// U+FFFD for what is not, rather than losing the report.
		json.MarshalEncode(jsontext.NewEncoder(stdout, jsontext.AllowInvalidUTF8(true)), rep)
	}()
	if len(args) < 2 {
		rep.Error = "usage: roster-bench __run OUTFILE PROGRAM [ARGS...]"
		return 0
	}
	out, err := os.Create(args[0])
	if err != nil {
		rep.Error = err.Error()
		return 0
	}
	defer out.Close()
	var stderr strings.Builder
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdout = out
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	err = cmd.Run()
	rep.WallNS = time.Since(start).Nanoseconds()
	if err != nil {
		rep.Error = fmt.Sprintf("%v\n%s", err, tail(stderr.String(), 20))
		return 0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rep.MaxRSS = maxRSS(ru)
		rep.CPUNS = ru.Utime.Nano() + ru.Stime.Nano()
	}
	if fi, err := out.Stat(); err == nil {
		rep.Stdout = fi.Size()
	}
	return 0
}

// maxRSS is the peak resident set in bytes: Linux counts ru_maxrss in
// KiB, macOS in bytes.
func maxRSS(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// verify builds (or finds) the evidence state and times `evidence verify`.
func (b *bench) verify(global func(dir, statePath string) []string) *measurement {
	name := fmt.Sprintf("evidence verify, %s records", count(b.o.records))
	path, err := b.evidenceState()
	if err != nil {
		return &measurement{name: name, err: err}
	}
	m := b.measure(name, nil, 10, func(int) cmdSpec {
		return cmdSpec{args: append(global(b.work, path), "evidence", "verify")}
	})
	return m
}

// evidenceState is a state file holding b.o.records sealed records. It is
// kept under -cache, keyed by the generator's version and the state's
// schema version, because building a million records takes a while; a
// cached file is used only if its chain has the expected head.
func (b *bench) evidenceState() (string, error) {
	key := fmt.Sprintf("%s-state%d-seed%d", gen.Version, state.SchemaVersion, b.o.seed)
	dir := filepath.Join(b.o.cache, key)
	path := filepath.Join(dir, fmt.Sprintf("evidence-%d.db", b.o.records))
	ctx := context.Background()
	if !b.o.fresh {
		if st, err := boltstore.Open(path); err == nil {
			if seq, _, err := st.EvidenceHead(ctx); err == nil && seq == uint64(b.o.records) {
				fi, _ := os.Stat(path)
				b.logf("  evidence state: cached %s (%s)", path, mib(fi.Size()))
				return path, nil
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".building-%d", os.Getpid()))
	os.RemoveAll(tmp)
	defer os.RemoveAll(tmp)
	start := time.Now()
	fmt.Fprintf(b.out, "  evidence state: building %d records into %s ...", b.o.records, path)
	st, err := boltstore.Open(filepath.Join(tmp, "state.db"))
	if err != nil {
		return "", err
	}
	if _, err := gen.Evidence(ctx, st, gen.EvidenceOptions{Records: b.o.records, Seed: b.o.seed, Start: b.now.AddDate(-1, 0, 0)}); err != nil {
		fmt.Fprintln(b.out)
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "state.db"), path); err != nil {
		return "", err
	}
	fi, _ := os.Stat(path)
	fmt.Fprintf(b.out, " %s s, %s\n", secs(time.Since(start)), mib(fi.Size()))
	return path, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func mib(b int64) string {
	if b <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MiB"
}

// busy reports whether the 1-minute load average is above the CPUs.
func busy(loadavg string) bool {
	f := strings.Fields(loadavg)
	if len(f) == 0 {
		return false
	}
	l, err := strconv.ParseFloat(f[0], 64)
	return err == nil && l > float64(runtime.NumCPU())
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// summary is the last line: how many targets were not met, and how many
// rows were skipped.
func summary(rows []row) string {
	failed, skipped := 0, 0
	for _, r := range rows {
		switch r.verdict {
		case "FAIL", "ERROR":
			failed++
		case "SKIPPED":
			skipped++
		}
	}
	s := "Every target met."
	if failed > 0 {
		s = fmt.Sprintf("%d of %d targets NOT MET (FAIL or ERROR above).", failed, len(rows)-skipped)
	} else if skipped > 0 {
		s = "Every target measured was met."
	}
	if skipped > 0 {
		s += fmt.Sprintf(" %d skipped (SKIPPED above).", skipped)
	}
	return s
}

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/gen"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2, truncated
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("median reordered its argument: %v", tc.in)
			}
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{10_000: "10k", 100_000: "100k", 1_000_000: "1M", 1500: "1500", 999: "999", 2_000_000: "2M"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

func meas(name string, p time.Duration, rss int64, wall ...time.Duration) *measurement {
	return &measurement{name: name, p: pFloor{wall: p, cpu: p}, wall: wall, cpu: wall, rss: rss}
}

func TestVerdicts(t *testing.T) {
	p := time.Second
	failed := &measurement{name: "a", err: errors.New("boom")}
	for _, tc := range []struct {
		name string
		r    row
		want string
	}{
		{"under the ratio", ratioRow(meas("a", p, 1<<20, 2*p, 2*p, 3*p), 2.5, 0), "PASS"},
		{"at the ratio", ratioRow(meas("a", p, 1<<20, 2500*time.Millisecond), 2.5, 0), "PASS"},
		{"over the ratio", ratioRow(meas("a", p, 1<<20, 3*p, 3*p, 1*p), 2.5, 0), "FAIL"},
		{"over the RSS", ratioRow(meas("a", p, 2<<30, p), 2.5, 1<<30), "FAIL"},
		{"error", ratioRow(failed, 2.5, 0), "ERROR"},
		{"absolute, under", absRow(meas("v", 0, 1, 9*p), 10*time.Second), "PASS"},
		{"absolute, over", absRow(meas("v", 0, 1, 11*p), 10*time.Second), "FAIL"},
		{"linear growth", growthRow(meas("s", p, 0, p), meas("l", 10*p, 0, 10*p), "10k", "100k"), "PASS"},
		{"quadratic growth", growthRow(meas("s", p, 0, p), meas("l", 10*p, 0, 100*p), "10k", "100k"), "FAIL"},
		{"growth of a failed run", growthRow(meas("s", p, 0, p), failed, "a", "b"), "ERROR"},
		{"cpu per grant, linear", cpuGrowthRow(meas("s", p, 0, p), meas("l", p, 0, 10*p), "10k", "100k", 10_000, 100_000), "PASS"},
		{"cpu per grant, 1.2 times", cpuGrowthRow(meas("s", p, 0, p), meas("l", p, 0, 12*p), "10k", "100k", 10_000, 100_000), "PASS"},
		{"cpu per grant, 1.3 times", cpuGrowthRow(meas("s", p, 0, p), meas("l", p, 0, 13*p), "10k", "100k", 10_000, 100_000), "FAIL"},
		{"cpu per grant of a failed run", cpuGrowthRow(failed, meas("l", p, 0, p), "a", "b", 1, 2), "ERROR"},
	} {
		if tc.r.verdict != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, tc.r.verdict, tc.want, tc.r)
		}
	}
	m := meas("plan", 2*p, 300<<20, 3*p)
	m.cpu = []time.Duration{4 * p}
	r := ratioRow(m, 2.5, 1<<30)
	if r.ratio != "1.50×" || r.cpuRatio != "2.00×" || r.target != "≤ 2.5×P, ≤ 1 GiB" || r.rss != "300 MiB" || r.seconds != "3.000" || r.p != "2.000" {
		t.Errorf("row %+v", r)
	}
	m = meas("verify", 0, 1, 40*p)
	m.note = "1 run only"
	m.wall = m.wall[:1]
	if r := absRow(m, 10*time.Second); r.verdict != "FAIL" || r.note != "1 run only" {
		t.Errorf("a run given up: %+v", r)
	}
	m = meas("plan", p, 2<<30, 4*p)
	m.note = "1 run only"
	if r := ratioRow(m, 2.5, 1<<30); r.note != "1 run only; peak RSS 2048 MiB is over 1 GiB" {
		t.Errorf("notes: %q", r.note)
	}
	g := growthRow(meas("s", p, 0, p), meas("l", 8*p, 0, 10*p), "10k", "100k")
	if g.seconds != "10.0×" || g.p != "8.00×" || g.ratio != "1.25" || g.verdict != "FAIL" {
		t.Errorf("growth row %+v", g)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	writeTable(&b, []row{
		ratioRow(meas("plan, 10k grants, empty state", 500*time.Millisecond, 50<<20, time.Second), 2.5, 0),
		ratioRow(&measurement{name: "apply", err: errors.New("exit status 1\nstate is locked")}, 8, 0),
	})
	lines := strings.Split(b.String(), "\n")
	if len(lines) < 5 {
		t.Fatalf("table:\n%s", b.String())
	}
	if !strings.HasPrefix(lines[0], "workload") || !strings.Contains(lines[0], "result") || !strings.HasPrefix(lines[1], "---") {
		t.Errorf("header:\n%s", b.String())
	}
	// Columns line up: "result" starts where the verdicts do.
	col := strings.Index(lines[0], "result")
	if !strings.HasSuffix(lines[2], "PASS") || len([]rune(lines[2]))-4 != col {
		t.Errorf("verdict not under its header:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "ERROR apply: exit status 1\nstate is locked") {
		t.Errorf("the error's note is missing:\n%s", b.String())
	}
}

func TestMeasureP(t *testing.T) {
	c, err := gen.Generate(gen.Options{Grants: 300})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if p, err := measureP(dir, c, 3); err != nil || p.wall <= 0 || p.cpu <= 0 {
		t.Errorf("measureP = %+v, %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, c.Files[1].Name), []byte("team {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := measureP(dir, c, 1); err == nil || !strings.Contains(err.Error(), c.Files[1].Name) {
		t.Errorf("a broken file: %v, want an error naming it", err)
	}
}

// TestRunOne: the runner reports a program's output size, time and RSS,
// and its failure with the program's stderr.
func TestRunOne(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	out := filepath.Join(t.TempDir(), "out")
	var b bytes.Buffer
	runOne([]string{out, sh, "-c", "printf hello"}, &b)
	var rep report
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Error != "" || rep.Stdout != 5 || rep.WallNS <= 0 || rep.MaxRSS <= 0 {
		t.Errorf("report %+v", rep)
	}
	b.Reset()
	runOne([]string{out, sh, "-c", "echo no such state >&2; exit 3"}, &b)
	rep = report{}
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Error, "exit status 3") || !strings.Contains(rep.Error, "no such state") {
		t.Errorf("error %q, want the exit status and stderr", rep.Error)
	}
	// Stderr that is not UTF-8 still gives a report.
	b.Reset()
	runOne([]string{out, sh, "-c", `printf 'bad \377 byte' >&2; exit 3`}, &b)
	rep = report{}
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil || !strings.Contains(rep.Error, "bad \uFFFD byte") {
		t.Errorf("report %q (%v), want the stderr with U+FFFD", b.Bytes(), err)
	}
}

func TestBusy(t *testing.T) {
	for la, want := range map[string]bool{"0.50 1.00 1.00": false, "99.0 0 0": true, "": false, "x y z": false} {
		if got := busy(la); got != want {
			t.Errorf("busy(%q) = %v", la, got)
		}
	}
}

func TestRunRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-roster", filepath.Join(t.TempDir(), "nothing")}, 1, "no roster binary"},
		{[]string{"-runs", "0"}, 1, "-runs must be at least 1"},
		{[]string{"-now", "tomorrow"}, 1, "is not a date"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"-nope"}, 2, "flag provided but not defined"},
		{[]string{"-postgres", "mysql://u:secret@h/db"}, 1, "must be a postgres:// or postgresql:// URL"},
		{[]string{"-postgres", "postgres://u:se%zzcret@h/db"}, 1, "is not a valid URL"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
		if strings.Contains(errb.String(), "secret") || strings.Contains(errb.String(), "cret") {
			t.Errorf("run(%q) showed the password: %q", tc.args, errb.String())
		}
	}
}

// TestEndToEnd builds roster and runs the whole bench at toy sizes: every
// row is measured (none is ERROR) and the table is printed.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds roster")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "roster")
	build := exec.Command("go", "build", "-o", bin, "github.com/roster-dev/roster/cmd/roster")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building roster: %v\n%s", err, out)
	}
	// The runner is this test binary: TestMain below plays roster-bench.
	var out, errb bytes.Buffer
	code := run([]string{"-roster", bin, "-runs", "1", "-small", "300", "-large", "1000", "-huge", "2000", "-records", "500",
		"-cache", filepath.Join(tmp, "cache"), "-work", filepath.Join(tmp, "work")}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	s := out.String()
	if os.Getenv(pgEnv) == "" {
		if !strings.Contains(s, "SKIPPED PostgreSQL: apply PLANFILE, 1k grants: set ROSTER_TEST_POSTGRES or -postgres") {
			t.Errorf("without %s, the PostgreSQL rows are not skipped:\n%s", pgEnv, s)
		}
	} else {
		checkDropped(t, s)
	}
	for _, want := range []string{"PostgreSQL: apply PLANFILE, 1k grants", "PostgreSQL: plan, 1k grants, no change", "plan, 300 grants, empty state", "plan --format json, 1k", "apply PLANFILE, 1k grants",
		"plan, 1k grants, no change", "growth of plan time, 300 → 1k", "evidence verify, 500 records", "evidence state: building",
		"plan, 1k grants in one file, empty", "plan, 2k grants, empty state", "growth of plan CPU per grant, 300 → 1k", "; 1 file, "} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, "ERROR") || strings.HasPrefix(line, "ERROR") {
			t.Errorf("a row could not be measured: %s\n%s", line, s)
		}
	}
	// A second run finds the evidence state in the cache.
	out.Reset()
	if code := run([]string{"-roster", bin, "-runs", "1", "-small", "300", "-large", "1000", "-huge", "0", "-records", "500",
		"-cache", filepath.Join(tmp, "cache")}, &out, &errb); code != 0 || !strings.Contains(out.String(), "evidence state: cached") {
		t.Errorf("second run: exit %d, output:\n%s", code, out.String())
	}
}

// TestMain lets the test binary serve as the runner, as roster-bench does
// for itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runnerArg {
		os.Exit(runOne(os.Args[2:], os.Stdout))
	}
	os.Exit(m.Run())
}

// TestMeasureGivesUp: a command far over its target runs once, not
// b.o.runs times; one within it runs every time.
func TestMeasureGivesUp(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "fake-roster")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 0.2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	b := &bench{o: options{runs: 3}, out: &out, roster: script, work: dir}
	slow := b.measure("slow", nil, 0.01, func(int) cmdSpec { return cmdSpec{} })
	if slow.err != nil || len(slow.wall) != 1 || !strings.Contains(slow.note, "1 run only") {
		t.Errorf("slow: %d runs, note %q, err %v\n%s", len(slow.wall), slow.note, slow.err, out.String())
	}
	ok := b.measure("ok", nil, 10, func(int) cmdSpec { return cmdSpec{} })
	if ok.err != nil || len(ok.wall) != 3 || ok.note != "" {
		t.Errorf("ok: %d runs, note %q, err %v", len(ok.wall), ok.note, ok.err)
	}
}

// TestInterleave: the jobs run in rounds, each once per round in order;
// a job that fails is not run again, and the others go on.
func TestInterleave(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := filepath.Join(dir, "fake-roster")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" >> "+log+"\n[ \"$1\" != c ]\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	b := &bench{o: options{runs: 3}, out: &out, roster: script, work: dir}
	spec := func(name string) func(int) cmdSpec { return func(int) cmdSpec { return cmdSpec{args: []string{name}} } }
	a, bj, c := b.newJob("a", nil, 10, spec("a")), b.newJob("b", nil, 10, spec("b")), b.newJob("c", nil, 10, spec("c"))
	b.interleave(a, bj, c)
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\nb\nc\na\nb\na\nb\n"; string(got) != want {
		t.Errorf("runs in the order\n%s\nwant\n%s", got, want)
	}
	if len(a.m.wall) != 3 || len(bj.m.wall) != 3 || c.m.err == nil || len(c.m.wall) != 0 {
		t.Errorf("a %d runs, b %d runs, c %d runs and error %v", len(a.m.wall), len(bj.m.wall), len(c.m.wall), c.m.err)
	}
}

// checkDropped: the output names the schemas the run made as dropped, and
// none of them is left in the database.
func checkDropped(t *testing.T, out string) {
	t.Helper()
	_, after, ok := strings.Cut(out, "PostgreSQL schemas dropped: ")
	if !ok {
		t.Errorf("the output does not say which schemas were dropped:\n%s", out)
		return
	}
	line, _, _ := strings.Cut(after, "\n")
	names := strings.Split(strings.TrimSuffix(line, "."), ", ")
	if len(names) != 1 { // -runs 1: one apply, one schema
		t.Errorf("dropped %q, want one schema", names)
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		if !strings.HasPrefix(n, pgSchemaPrefix) {
			t.Errorf("schema %q is not one of roster-bench's", n)
		}
		quoted[i] = "'" + n + "'"
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("no psql: not checking that the schemas are gone")
		return
	}
	conn, _, err := psqlConn(os.Getenv(pgEnv))
	if err != nil {
		t.Fatal(err)
	}
	left, err := exec.Command(psql, "-X", "-w", "-tA", "-d", conn, "-c",
		"SELECT count(*) FROM pg_namespace WHERE nspname IN ("+strings.Join(quoted, ",")+")").CombinedOutput()
	if err != nil || strings.TrimSpace(string(left)) != "0" {
		t.Errorf("schemas %v left in the database: %s %v", names, left, err)
	}
}

// TestPostgresSkipped: without a database the two PostgreSQL rows are
// printed as skipped, with their targets, and the summary counts them
// apart from the targets.
func TestPostgresSkipped(t *testing.T) {
	var out bytes.Buffer
	b := &bench{o: options{runs: 3}, out: &out}
	rows := b.postgres(&workload{label: "100k"}, "plan.roster", nil, nil)
	want := []struct{ name, target string }{
		{"PostgreSQL: apply PLANFILE, 100k grants", "≤ 12×P"},
		{"PostgreSQL: plan, 100k grants, no change", "≤ 3×P"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.workload != w.name || r.target != w.target || r.verdict != "SKIPPED" || r.note != pgSkipReason {
			t.Errorf("row %d: %+v, want %s, %s, SKIPPED", i, r, w.name, w.target)
		}
		if !strings.Contains(out.String(), w.name) {
			t.Errorf("the progress lacks %q:\n%s", w.name, out.String())
		}
	}
	if pgSkipped != "skipped: set ROSTER_TEST_POSTGRES or -postgres" {
		t.Errorf("pgSkipped = %q", pgSkipped)
	}
	if strings.Count(out.String(), pgSkipped) != 2 {
		t.Errorf("progress:\n%s", out.String())
	}
	var table bytes.Buffer
	writeTable(&table, append([]row{ratioRow(meas("plan", time.Second, 1, time.Second), 2.5, 0)}, rows...))
	if !strings.Contains(table.String(), "SKIPPED PostgreSQL: plan, 100k grants, no change: set ROSTER_TEST_POSTGRES or -postgres") {
		t.Errorf("table:\n%s", table.String())
	}
	if got := summary(append([]row{ratioRow(meas("plan", time.Second, 1, time.Second), 2.5, 0)}, rows...)); got != "Every target measured was met. 2 skipped (SKIPPED above)." {
		t.Errorf("summary %q", got)
	}
	// A plan that could not be saved: both rows are ERRORs, not skipped.
	b.pg = "postgres://u@h/db"
	rows = b.postgres(&workload{label: "100k"}, "plan.roster", errors.New("disk full"), nil)
	for _, r := range rows {
		if r.verdict != "ERROR" || !strings.Contains(r.note, "disk full") {
			t.Errorf("after a failed plan: %+v", r)
		}
	}
}

// TestPostgresTargets: the apply row is judged against 12 × P, the
// no-change plan against 3 × P.
func TestPostgresTargets(t *testing.T) {
	p := time.Second
	for _, tc := range []struct {
		name          string
		apply, noChg  time.Duration
		wantA, wantNo string
	}{
		{"both within", 11 * p, 2900 * time.Millisecond, "PASS", "PASS"},
		{"both at the target", 12 * p, 3 * p, "PASS", "PASS"},
		{"apply over", 12100 * time.Millisecond, 2 * p, "FAIL", "PASS"},
		{"plan over", 8 * p, 3100 * time.Millisecond, "PASS", "FAIL"},
	} {
		rows := pgRows(meas("apply", p, 1<<20, tc.apply), meas("plan", p, 1<<20, tc.noChg))
		if rows[0].verdict != tc.wantA || rows[1].verdict != tc.wantNo {
			t.Errorf("%s: %s, %s; want %s, %s", tc.name, rows[0].verdict, rows[1].verdict, tc.wantA, tc.wantNo)
		}
		if rows[0].target != "≤ 12×P" || rows[1].target != "≤ 3×P" {
			t.Errorf("targets %q, %q", rows[0].target, rows[1].target)
		}
	}
}

func TestSummary(t *testing.T) {
	pass, fail, skip := row{verdict: "PASS"}, row{verdict: "FAIL"}, row{verdict: "SKIPPED"}
	for _, tc := range []struct {
		rows []row
		want string
	}{
		{[]row{pass, pass}, "Every target met."},
		{[]row{pass, skip, skip}, "Every target measured was met. 2 skipped (SKIPPED above)."},
		{[]row{pass, fail, {verdict: "ERROR"}}, "2 of 3 targets NOT MET (FAIL or ERROR above)."},
		{[]row{fail, skip}, "1 of 1 targets NOT MET (FAIL or ERROR above). 1 skipped (SKIPPED above)."},
	} {
		if got := summary(tc.rows); got != tc.want {
			t.Errorf("summary(%v) = %q, want %q", tc.rows, got, tc.want)
		}
	}
}

// TestPostgresURLs: each run's URL carries its own schema; messages show
// no password; psql gets only libpq's parameters and the password apart.
func TestPostgresURLs(t *testing.T) {
	for _, tc := range []struct {
		base, schema, want string
	}{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "roster_bench_1", "postgres://postgres@127.0.0.1:5432/test?schema=roster_bench_1&sslmode=disable"},
		{"postgresql://h/db?schema=mine", "roster_bench_2", "postgresql://h/db?schema=roster_bench_2"},
	} {
		if got, err := withSchema(tc.base, tc.schema); err != nil || got != tc.want {
			t.Errorf("withSchema(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		raw, describe, conn, password string
	}{
		{"postgres://u:s3cr%2Ft@h:5432/db?sslmode=disable&schema=x", "postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", "s3cr/t"},
		{"postgres://u@h/db?password=pw&default_query_exec_mode=simple_protocol&connect_timeout=5", "postgres://u@h/db?connect_timeout=5&default_query_exec_mode=simple_protocol", "postgres://u@h/db?connect_timeout=5", "pw"},
		{"postgres://h/db", "postgres://h/db", "postgres://h/db", ""},
	} {
		if got := describePostgres(tc.raw); got != tc.describe {
			t.Errorf("describePostgres(%q) = %q, want %q", tc.raw, got, tc.describe)
		}
		conn, pw, err := psqlConn(tc.raw)
		if err != nil || conn != tc.conn || pw != tc.password {
			t.Errorf("psqlConn(%q) = %q, %q, %v; want %q, %q", tc.raw, conn, pw, err, tc.conn, tc.password)
		}
	}
	// -postgres wins over the environment, which is the default.
	bin := filepath.Join(t.TempDir(), "roster")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(pgEnv, "postgres://env@h/db")
	for _, tc := range []struct{ flag, want string }{{"", "postgres://env@h/db"}, {"postgres://flag@h/db", "postgres://flag@h/db"}} {
		b, err := newBench(options{roster: bin, runs: 1, now: "2026-12-01", small: 1, large: 1, work: t.TempDir(), pg: tc.flag}, io.Discard)
		if err != nil || b.pg != tc.want {
			t.Errorf("-postgres %q: %v, %v; want %q", tc.flag, b, err, tc.want)
		}
	}
}

// TestDropSchemas: when the schemas cannot be dropped (no server here, or
// no psql), the output says which to drop and how, without the password;
// with -keep it keeps them and says so.
func TestDropSchemas(t *testing.T) {
	for _, tc := range []struct {
		keep bool
		want string
	}{
		{false, `Drop them yourself: DROP SCHEMA IF EXISTS "roster_bench_a", "roster_bench_b" CASCADE;`},
		{true, `PostgreSQL schemas kept in postgres://u@127.0.0.1:1/db?connect_timeout=2: roster_bench_a, roster_bench_b`},
	} {
		var out bytes.Buffer
		b := &bench{o: options{keep: tc.keep}, out: &out, pg: "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2",
			pgSchemas: []string{"roster_bench_a", "roster_bench_b"}}
		b.dropSchemas()
		if !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), "hunter2") {
			t.Errorf("keep %v: %s\nwant %q, and no password", tc.keep, out.String(), tc.want)
		}
	}
	var out bytes.Buffer
	(&bench{out: &out, pg: "postgres://h/db"}).dropSchemas()
	if out.Len() != 0 {
		t.Errorf("no schemas made, yet: %q", out.String())
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/roster-dev/roster/internal/cli"
	fakega4 "github.com/roster-dev/roster/internal/fake/ga4"
	fakematomo "github.com/roster-dev/roster/internal/fake/matomo"
	fakepiwikpro "github.com/roster-dev/roster/internal/fake/piwikpro"
	fakeplausible "github.com/roster-dev/roster/internal/fake/plausible"
	fakeposthog "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

func TestMain(m *testing.M) {
	testscript.Main(scriptsAtOnce{m}, map[string]func(){
		"roster":              func() { os.Exit(cli.Main()) },
		"hold-lock":           holdLock,
		"fake-posthog":        func() { os.Exit(fakeposthog.Main(os.Args[1:])) },
		"fake-posthog-call":   func() { os.Exit(fakeposthog.Call(os.Args[1:])) },
		"fake-plausible":      func() { os.Exit(fakeplausible.Main(os.Args[1:])) },
		"fake-plausible-call": func() { os.Exit(fakeplausible.Call(os.Args[1:])) },
		"fake-piwikpro":       func() { os.Exit(fakepiwikpro.Main(os.Args[1:])) },
		"fake-piwikpro-call":  func() { os.Exit(fakepiwikpro.Call(os.Args[1:])) },
		"fake-ga4":            func() { os.Exit(fakega4.Main(os.Args[1:])) },
		"fake-ga4-call":       func() { os.Exit(fakega4.Call(os.Args[1:])) },
		"fake-matomo":         func() { os.Exit(fakematomo.Main(os.Args[1:])) },
		"fake-matomo-call":    func() { os.Exit(fakematomo.Call(os.Args[1:])) },
	})
}

// scriptsAtOnce runs the tests with -parallel at four per core unless
// the command line sets it. A script spends most of its time waiting: on
// the roster processes it starts, on the fake servers, on Matomo's pacing
// (5 requests a second, sync.md), so with one script per core (go test's
// default) the cores sit idle while paced scripts sleep.
type scriptsAtOnce struct{ m *testing.M }

func (s scriptsAtOnce) Run() int {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0))); err != nil {
			panic(err)
		}
	}
	return s.m.Run()
}

// TestScript runs the CLI scenarios in testdata/script: the behaviour users
// and CI see, exit statuses included.
func TestScript(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *goldenfile.Update,
		RequireExplicitExec: false,
		Cmds:                scriptCmds,
		Setup: func(env *testscript.Env) error {
			return scriptSetup(env, examples)
		},
	})
}

// scriptCmds are the commands the scripts may use beside testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exitcode": cmdExitCode,
	"waitfile": cmdWaitFile,
	"replace":  cmdReplace,
	"envfile":  cmdEnvFile,
	"sleep":    cmdSleep,
	// plandigest VAR FILE: VAR = a saved plan's digest (stores_test.go)
	"plandigest": cmdPlanDigest,
}

// scriptSetup is the environment every script starts with.
func scriptSetup(env *testscript.Env, examples string) error {
	env.Setenv("EXAMPLES", examples)
	env.Setenv("NO_COLOR", "1")
	env.Setenv("ROSTER_ACTOR", "tester")
	env.Setenv("USER", "tester")
	return nil
}

// cmdExitCode runs a command and checks its exact exit status:
// `exitcode 2 roster plan --detailed-exitcode`. Its output can be checked
// with stdout and stderr afterwards.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// holdLock is a test program: `hold-lock STATE READYFILE` takes the state's
// writer lock as operation "apply", writes READYFILE, and holds the lock
// until it is killed.
func holdLock() {
	if len(os.Args) != 3 {
		os.Stderr.WriteString("usage: hold-lock STATE READYFILE\n")
		os.Exit(2)
	}
	st, err := boltstore.Open(os.Args[1])
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	if _, err := st.Lock(context.Background(), "apply", 0); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.WriteFile(os.Args[2], []byte("locked\n"), 0o600)
	time.Sleep(time.Hour)
}

// cmdWaitFile waits (at most 20 s) until a file exists.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear", args[0])
}

// cmdReplace edits a file's bytes in place, as an attacker with write
// access would: `replace FILE OLD NEW` replaces the first OLD by NEW.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	name := ts.MkAbs(args[0])
	data, err := os.ReadFile(name)
	ts.Check(err)
	i := bytes.Index(data, []byte(args[1]))
	if i < 0 {
		ts.Fatalf("%s does not contain %q", args[0], args[1])
	}
	out := append(append(append([]byte{}, data[:i]...), args[2]...), data[i+len(args[1]):]...)
	ts.Check(os.WriteFile(name, out, 0o600))
}

// cmdEnvFile sets an environment variable to a file's content, waiting (at
// most 20 s) for the file: `envfile ROSTER_ENDPOINT_ACME $WORK/url`.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	cmdWaitFile(ts, false, args[1:])
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdSleep waits a while: `sleep 2s`. For the few scenarios that must
// act while a background command is in the middle of something.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("sleep: %v", err)
	}
	time.Sleep(d)
}

package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/testtool"
)

const module = "github.com/roster-dev/roster"

// file is one Go source file of the module: its package's import path
// relative to the module (internal/cli) and its imports.
type file struct {
	pkg, name string
	test      bool
	imports   []string
	ast       *ast.File
}

// sources parses every Go file under cmd/ and internal/ (testdata and
// examples, a module of their own, aside), imports only unless full.
func sources(t *testing.T, full bool) []file {
	t.Helper()
	root := testtool.ModuleRoot(t)
	var out []file
	fset := token.NewFileSet()
	mode := parser.ImportsOnly
	if full {
		mode = parser.SkipObjectResolution
	}
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, mode)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			src := file{pkg: filepath.ToSlash(rel), name: filepath.Base(p), test: strings.HasSuffix(p, "_test.go"), ast: f}
			for _, im := range f.Imports {
				v, _ := strconv.Unquote(im.Path.Value)
				src.imports = append(src.imports, v)
			}
			out = append(out, src)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 100 {
		t.Fatalf("found only %d Go files under cmd/ and internal/", len(out))
	}
	return out
}

// under reports whether pkg is dir or below it.
func under(pkg string, dirs ...string) bool {
	for _, d := range dirs {
		if pkg == d || strings.HasPrefix(pkg, d+"/") {
			return true
		}
	}
	return false
}

// is reports whether import path im is one of paths or below it.
func is(im string, paths ...string) bool {
	for _, p := range paths {
		if im == p || strings.HasPrefix(im, p+"/") {
			return true
		}
	}
	return false
}

// ours is im relative to the module ("internal/plan"), "" when it is not
// one of roster's packages.
func ours(im string) string {
	if rel, ok := strings.CutPrefix(im, module+"/"); ok {
		return rel
	}
	return ""
}

// TestConfinedImports: each outside package is imported only where the
// doc comments say (internal/cli, boltstore, pgstore, driver docs), tests
// included.
func TestConfinedImports(t *testing.T) {
	rules := []struct {
		imports []string
		only    []string
	}{
		{[]string{"github.com/spf13/cobra", "github.com/spf13/pflag"}, []string{"internal/cli"}},
		{[]string{"go.etcd.io/bbolt"}, []string{"internal/state/boltstore"}},
		{[]string{"github.com/jackc/pgx"}, []string{"internal/state/pgstore"}},
		{[]string{"net/http"}, []string{"internal/driver", "internal/fake"}},
	}
	for _, f := range sources(t, false) {
		for _, im := range f.imports {
			for _, r := range rules {
				if is(im, r.imports...) && !under(f.pkg, r.only...) {
					t.Errorf("%s/%s imports %s, which only %s may import", f.pkg, f.name, im, strings.Join(r.only, " and "))
				}
			}
		}
	}
}

// TestImportsPointDown: the packages' own code (tests aside) imports only
// what lies below it: only cmd/roster imports the command line, only the
// command line the operations, and the command line reaches the
// configuration, the stores and the platforms through them; the leaves (model, diag, termtext) import nothing of
// roster's; the planner, the drivers' contract and the state's contract
// import no store, driver implementation, operation or apply.
func TestImportsPointDown(t *testing.T) {
	for _, f := range sources(t, false) {
		if f.test {
			continue
		}
		for _, im := range f.imports {
			dep := ours(im)
			if dep == "" {
				continue
			}
			var why string
			switch {
			case dep == "internal/cli" && f.pkg != "cmd/roster":
				why = "only cmd/roster imports the command line"
			case dep == "internal/ops" && f.pkg != "internal/cli":
				why = "only the command line imports the operations"
			case f.pkg == "cmd/roster" && dep != "internal/cli":
				why = "cmd/roster only runs the command line"
			case f.pkg == "internal/cli" && under(dep, "internal/config", "internal/policy", "internal/live", "internal/importer", "internal/offboard", "internal/state/boltstore", "internal/state/pgstore"):
				why = "the command line loads the configuration and reads the state and the platforms through the operations"
			case under(f.pkg, "internal/model", "internal/diag", "internal/termtext"):
				why = "it is a leaf: it imports nothing of roster's"
			case f.pkg == "internal/plan" && dep != "internal/model":
				why = "the planner is pure: it speaks the model only"
			case f.pkg == "internal/state" && dep != "internal/model" && dep != "internal/termtext":
				why = "the state's contract speaks the model only (and shows text with termtext); stores live below it"
			case f.pkg == "internal/driver" && !slices.Contains([]string{"internal/model", "internal/plan"}, dep):
				why = "the drivers' contract speaks the model and the plan only"
			case under(dep, "internal/apply", "internal/live", "internal/ops") && under(f.pkg, "internal/driver", "internal/state", "internal/evidence", "internal/plan", "internal/model"):
				why = "drivers, stores, evidence and the planner lie below apply, live and the operations"
			}
			if why != "" {
				t.Errorf("%s/%s imports %s: %s", f.pkg, f.name, im, why)
			}
		}
	}
}

// TestPureDoNoIO: the library packages that work on values and the
// readers, writers, stores and drivers they are given (model, plan and
// state say "no I/O", importer "no I/O of its own", offboard "writing
// files is the caller's", render and report "pure"; also policy, runbook,
// mdtext, diag, termtext, evidence and live) import no file, process or network
// package.
func TestPureDoNoIO(t *testing.T) {
	pure := []string{"internal/model", "internal/plan", "internal/state", "internal/importer", "internal/render", "internal/report", "internal/policy", "internal/runbook", "internal/mdtext", "internal/diag", "internal/termtext", "internal/offboard", "internal/evidence", "internal/live"}
	io := []string{"os", "os/exec", "io/ioutil", "net/http", "syscall"}
	for _, f := range sources(t, false) {
		if f.test || !slices.Contains(pure, f.pkg) {
			continue
		}
		for _, im := range f.imports {
			if slices.Contains(io, im) {
				t.Errorf("%s/%s imports %s, and its package does no I/O of its own", f.pkg, f.name, im)
			}
		}
	}
}

// TestOperationsPrintNothing: internal/ops writes to no standard stream
// and prints nothing itself (its doc: what it says goes through View, a
// document to the Stdout writer its request gives it).
func TestOperationsPrintNothing(t *testing.T) {
	for _, f := range sources(t, true) {
		if f.test || f.pkg != "internal/ops" {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			name := x.Name + "." + sel.Sel.Name
			switch {
			case name == "os.Stdout" || name == "os.Stderr" || name == "os.Stdin",
				x.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Print"),
				x.Name == "log" && (strings.HasPrefix(sel.Sel.Name, "Print") || strings.HasPrefix(sel.Sel.Name, "Fatal")):
				t.Errorf("%s/%s uses %s: operations print nothing (ops/doc.go)", f.pkg, f.name, name)
			}
			return true
		})
	}
}

// testOnly are the packages their docs say only tests (and make bench)
// use, never linked into roster: the test helpers, the fake platform
// servers and the workload generator.
var testOnly = []string{
	"internal/archtest", "internal/bench", "internal/cmd/roster-bench", "internal/driver/drivertest",
	"internal/driver/fakeclock", "internal/driver/openapitest", "internal/fake", "internal/gen",
	"internal/goldenfile", "internal/mdtext/gfmtest", "internal/schematest", "internal/state/pgstore/pgtest",
	"internal/state/statetest", "internal/streamtest", "internal/testtool",
}

// TestHelpersNotLinked: roster's own code (tests aside) imports none of
// the test-only packages; only they import one another.
func TestHelpersNotLinked(t *testing.T) {
	for _, f := range sources(t, false) {
		if f.test || under(f.pkg, testOnly...) {
			continue
		}
		for _, im := range f.imports {
			if dep := ours(im); dep != "" && under(dep, testOnly...) {
				t.Errorf("%s/%s imports %s, which only tests use", f.pkg, f.name, im)
			}
		}
	}
}

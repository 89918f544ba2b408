package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestRunEMakesOneOperationCall holds the command line to its contract
// (issue 22): a command's RunE parses its flags, calls one internal/ops
// operation and renders a view. It reads this package's source and, for
// each RunE (a function literal, or the function or method it names),
// counts the calls to internal/ops's functions along each way through it:
// a statement adds its calls, the branches of an if or a switch are ways
// of their own (a branch that returns ends its way), a loop's body counts
// twice, and a call of a function or app method declared in this package
// counts the calls its own body makes. The longest way must make exactly
// one.
func TestRunEMakesOneOperationCall(t *testing.T) {
	opsFuncs := exportedFuncs(t, "../ops")
	if len(opsFuncs) < 20 {
		t.Fatalf("found %d functions in internal/ops; the test reads the wrong folder", len(opsFuncs))
	}
	c := parseCLI(t, opsFuncs)
	if len(c.runEs) < 20 {
		t.Fatalf("found %d RunE functions; the test no longer sees how commands are written", len(c.runEs))
	}
	for _, r := range c.runEs {
		switch n := c.ways(r.body); {
		case n > 1:
			t.Errorf("%s: the RunE at %s makes %d calls into internal/ops along one way; a command calls one operation (put the rest of the workflow in the operation)", r.name, c.fset.Position(r.pos), n)
		case n == 0:
			t.Errorf("%s: the RunE at %s calls no internal/ops operation; a command's work is an operation's", r.name, c.fset.Position(r.pos))
		}
	}
}

// exportedFuncs are the exported package-level functions of the package
// in dir (its non-test files).
func exportedFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				names[fd.Name.Name] = true
			}
		}
	}
	return names
}

type runE struct {
	name string
	pos  token.Pos
	body *ast.BlockStmt
}

// cliSource is this package's non-test source, parsed.
type cliSource struct {
	fset     *token.FileSet
	opsFuncs map[string]bool
	// funcs and methods are the package's functions and app's methods.
	funcs, methods map[string]*ast.FuncDecl
	runEs          []runE
	// memo holds a function's count; -1 while it is being counted.
	memo map[*ast.FuncDecl]int
}

func parseCLI(t *testing.T, opsFuncs map[string]bool) *cliSource {
	t.Helper()
	c := &cliSource{fset: token.NewFileSet(), opsFuncs: opsFuncs, funcs: map[string]*ast.FuncDecl{},
		methods: map[string]*ast.FuncDecl{}, memo: map[*ast.FuncDecl]int{}}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(c.fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if fd.Recv == nil {
				c.funcs[fd.Name.Name] = fd
			} else if recvType(fd) == "app" {
				c.methods[fd.Name.Name] = fd
			}
		}
	}
	// The RunEs: x.RunE = F and cobra.Command{RunE: F}.
	add := func(fn ast.Expr, at token.Pos) {
		r := runE{pos: at}
		switch f := fn.(type) {
		case *ast.FuncLit:
			r.body = f.Body
		case *ast.Ident:
			if d := c.funcs[f.Name]; d != nil {
				r.body = d.Body
			}
		case *ast.SelectorExpr:
			if d := c.methods[f.Sel.Name]; d != nil {
				r.body = d.Body
			}
		}
		if r.body == nil {
			t.Errorf("%s: RunE is %T, which the test cannot follow", c.fset.Position(at), fn)
			return
		}
		r.name = enclosing(files, c.fset, at)
		c.runEs = append(c.runEs, r)
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if s, ok := l.(*ast.SelectorExpr); ok && s.Sel.Name == "RunE" && i < len(n.Rhs) {
						add(n.Rhs[i], n.Pos())
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "RunE" {
					add(n.Value, n.Pos())
				}
			}
			return true
		})
	}
	sort.Slice(c.runEs, func(i, j int) bool { return c.runEs[i].pos < c.runEs[j].pos })
	return c
}

// recvType is the name of a method's receiver type.
func recvType(fd *ast.FuncDecl) string {
	e := fd.Recv.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// enclosing names the function declaration holding pos.
func enclosing(files []*ast.File, fset *token.FileSet, pos token.Pos) string {
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
				return fd.Name.Name
			}
		}
	}
	return fset.Position(pos).String()
}

// ways is the most calls into internal/ops along one way through body.
func (c *cliSource) ways(body *ast.BlockStmt) int {
	ended, open, _ := c.stmts(body.List)
	return max(ended, open)
}

// stmts counts a statement list: ended is the most calls along a way that
// returns in it, open the most along a way that goes on after it, and
// falls whether any way goes on.
func (c *cliSource) stmts(list []ast.Stmt) (ended, open int, falls bool) {
	for _, s := range list {
		e, o, f := c.stmt(s)
		ended = max(ended, open+e)
		if !f {
			return ended, 0, false
		}
		open += o
	}
	return ended, open, true
}

// branches counts alternative statement lists taken from one point (the
// arms of an if or a switch); none of them taken when mayMiss.
func (c *cliSource) branches(arms [][]ast.Stmt, mayMiss bool) (ended, open int, falls bool) {
	falls = mayMiss
	for _, arm := range arms {
		e, o, f := c.stmts(arm)
		ended = max(ended, e)
		if f {
			open, falls = max(open, o), true
		}
	}
	return ended, open, falls
}

func (c *cliSource) stmt(s ast.Stmt) (ended, open int, falls bool) {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return c.calls(s), 0, false
	case *ast.BlockStmt:
		return c.stmts(s.List)
	case *ast.LabeledStmt:
		return c.stmt(s.Stmt)
	case *ast.IfStmt:
		pre := c.calls(s.Init) + c.calls(s.Cond)
		arms := [][]ast.Stmt{s.Body.List}
		if s.Else != nil {
			arms = append(arms, []ast.Stmt{s.Else})
		}
		e, o, f := c.branches(arms, s.Else == nil)
		return pre + e, pre + o, f
	case *ast.SwitchStmt:
		pre := c.calls(s.Init) + c.calls(s.Tag)
		return c.clauses(pre, s.Body)
	case *ast.TypeSwitchStmt:
		pre := c.calls(s.Init) + c.calls(s.Assign)
		return c.clauses(pre, s.Body)
	case *ast.SelectStmt:
		return c.clauses(0, s.Body)
	case *ast.ForStmt:
		n := c.calls(s.Init) + c.calls(s.Cond) + c.calls(s.Post) + c.loop(s.Body)
		return n, n, true
	case *ast.RangeStmt:
		n := c.calls(s.X) + c.loop(s.Body)
		return n, n, true
	}
	n := c.calls(s)
	return n, n, true
}

// loop counts a loop's body as run twice.
func (c *cliSource) loop(body *ast.BlockStmt) int {
	e, o, _ := c.stmts(body.List)
	return 2 * max(e, o)
}

func (c *cliSource) clauses(pre int, body *ast.BlockStmt) (ended, open int, falls bool) {
	var arms [][]ast.Stmt
	hasDefault := false
	for _, cl := range body.List {
		switch cl := cl.(type) {
		case *ast.CaseClause:
			hasDefault = hasDefault || cl.List == nil
			n := 0
			for _, x := range cl.List {
				n += c.calls(x)
			}
			pre += n // a case's expressions may all be evaluated
			arms = append(arms, cl.Body)
		case *ast.CommClause:
			hasDefault = hasDefault || cl.Comm == nil
			arms = append(arms, append([]ast.Stmt{cl.Comm}, cl.Body...))
		}
	}
	e, o, f := c.branches(arms, !hasDefault)
	return pre + e, pre + o, f
}

// calls counts the calls into internal/ops in n, with those of the
// functions of this package it calls, and of the function literals it
// holds, each as made once.
func (c *cliSource) calls(n ast.Node) int {
	if n == nil {
		return 0
	}
	count := 0
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch f := call.Fun.(type) {
		case *ast.SelectorExpr:
			if id, ok := f.X.(*ast.Ident); ok && id.Name == "ops" {
				if c.opsFuncs[f.Sel.Name] {
					count++
				}
			} else if d := c.methods[f.Sel.Name]; d != nil {
				count += c.funcCalls(d)
			}
		case *ast.Ident:
			if d := c.funcs[f.Name]; d != nil {
				count += c.funcCalls(d)
			}
		}
		return true
	})
	return count
}

// funcCalls is the most calls into internal/ops along one way through a
// function of this package.
func (c *cliSource) funcCalls(d *ast.FuncDecl) int {
	if n, ok := c.memo[d]; ok {
		if n < 0 {
			return 0 // recursion: counted where it started
		}
		return n
	}
	c.memo[d] = -1
	n := c.ways(d.Body)
	c.memo[d] = n
	return n
}

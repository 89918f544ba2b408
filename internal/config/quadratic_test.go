package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// quick fails the test when loading src takes more than five seconds and
// more than twenty times what HCL's parser alone takes on it (P, as
// schema/performance.md measures). It is no speed test (make bench
// measures speed): the inputs below took HCL's parser or go-cty minutes to
// hours before issues 20 and 22, and a linear load takes about P, so the
// wide margin catches a quadratic path again without failing on a machine
// other processes keep busy (a CI run beside three test suites measured
// 3.1 P).
func quick(t *testing.T, what string, src []byte, load func() *Result) *Result {
	t.Helper()
	start := time.Now()
	hclsyntax.ParseConfig(src, "p.hcl", hcl.InitialPos)
	p := time.Since(start)
	start = time.Now()
	res := load()
	d := time.Since(start)
	if d >= max(5*time.Second, 20*p) {
		t.Errorf("%s took %v (P = %v), want under 5 s or 20 P: a quadratic path again?", what, d, p)
	}
	t.Logf("%s: %v (P = %v)", what, d, p)
	return res
}

func TestHeredocLimits(t *testing.T) {
	lines := func(n, width int) string {
		return strings.Repeat(strings.Repeat("x", width)+"\n", n)
	}
	cases := []struct {
		name, src string
		want      string // "" loads
	}{
		{"unterminated, 100k lines", "team \"a\" {\n  platform = <<EOT\n" + lines(100_000, 8), "1000 lines"},
		{"terminated, 100k lines", "locals {\n  x = <<EOT\n" + lines(100_000, 8) + "EOT\n}\n", "1000 lines"},
		{"2,000 lines of 1,000 bytes", "locals {\n  x = <<-EOT\n" + lines(2000, 1000) + "  EOT\n}\n", "1000 lines"},
		{"300 lines of 1,000 bytes", "locals {\n  x = <<EOT\n" + lines(300, 1000) + "EOT\n}\n", "256 KiB"},
		{"1,000 lines", "locals {\n  x = <<EOT\n" + lines(999, 8) + "EOT\n}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// P of a long heredoc is the slow part: time the parser on
			// the first lines only.
			head := c.src[:min(len(c.src), 4096)]
			res := quick(t, c.name, []byte(head), func() *Result { return LoadSources([]Source{{Name: "h.hcl", Data: []byte(c.src)}}) })
			d := hasDiag(res.Diags, "Heredoc too long")
			if c.want == "" {
				if d != nil {
					t.Fatalf("refused: %v", d)
				}
				return
			}
			if d == nil || !strings.Contains(d.Detail, c.want) || d.Subject == nil || d.Subject.Start.Line != 2 {
				t.Fatalf("diagnostics: %v", res.Diags)
			}
			if _, fds := Format([]byte(c.src), "h.hcl"); hasDiag(fds, "Heredoc too long") == nil {
				t.Errorf("fmt does not refuse it: %v", fds)
			}
		})
	}
}

func TestTosetLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (100,000 elements): skipped under -short; make test runs it")
	}
	src := "locals {\n  people = toset(" + emailList(100_000, 100_000) + ")\n}\n"
	res := quick(t, "toset of 100,000 literal strings", []byte(src), func() *Result {
		return LoadSources([]Source{{Name: "s.hcl", Data: []byte(src)}})
	})
	if res.Diags.HasErrors() {
		t.Fatalf("diagnostics: %v", res.Diags)
	}

	// Mixed types go to go-cty's conversion, up to the limit.
	var m strings.Builder
	m.WriteString("locals {\n  x = toset([")
	for i := range MaxMixedConversion + 1 {
		if i%2 == 0 {
			fmt.Fprintf(&m, "%d,", i)
		} else {
			fmt.Fprintf(&m, "\"%d\",", i)
		}
	}
	m.WriteString("])\n}\n")
	res = quick(t, "toset of mixed types", []byte(m.String()), func() *Result {
		return LoadSources([]Source{{Name: "m.hcl", Data: []byte(m.String())}})
	})
	var found *hcl.Diagnostic
	for _, d := range res.Diags {
		if strings.Contains(d.Detail, fmt.Sprint(MaxMixedConversion)) {
			found = d
		}
	}
	if found == nil {
		t.Fatalf("mixed types over the limit: %v", res.Diags)
	}
}

// The direct conversion gives what go-cty's does.
func TestLinearToSameResult(t *testing.T) {
	tup := cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a"), cty.StringVal("b")})
	for name, want := range map[string]cty.Value{
		"toset":  cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"tolist": cty.ListVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a"), cty.StringVal("b")}),
	} {
		got, err := funcTable[name].Call([]cty.Value{tup})
		if err != nil || !got.RawEquals(want) {
			t.Errorf("%s: %#v %v, want %#v", name, got, err, want)
		}
	}
	// Mixed, null and unknown elements still work through go-cty.
	mixed := cty.TupleVal([]cty.Value{cty.StringVal("1"), cty.NumberIntVal(2)})
	if got, err := funcTable["toset"].Call([]cty.Value{mixed}); err != nil || got.LengthInt() != 2 {
		t.Errorf("mixed: %#v %v", got, err)
	}
	unk := cty.TupleVal([]cty.Value{cty.StringVal("1"), cty.UnknownVal(cty.String)})
	if got, err := funcTable["toset"].Call([]cty.Value{unk}); err != nil || got.IsWhollyKnown() {
		t.Errorf("unknown: %#v %v", got, err)
	}
}

// The functions that take a list get a literal list of one element type in
// linear time, as toset does: go-cty's own conversion of the tuple, and
// its distinct, compare every element with every other (distinct of 8,000
// emails took 19 s).
func TestListFunctionsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (100,000 elements): skipped under -short; make test runs it")
	}
	list := emailList(100_000, 50_000)
	for _, call := range []string{"distinct(%s)", "sort(%s)", "join(\",\", %s)", "compact(%s)", "chunklist(%s, 2)", "contains(%s, \"x\")"} {
		src := "locals {\n  v = " + fmt.Sprintf(call, list) + "\n}\n"
		name := strings.SplitN(call, "(", 2)[0]
		res := quick(t, name+" of 100,000 literal strings", []byte(src), func() *Result {
			return LoadSources([]Source{{Name: "l.hcl", Data: []byte(src)}})
		})
		if res.Diags.HasErrors() {
			t.Fatalf("%s: %v", name, res.Diags)
		}
	}
}

// distinct keeps the first of equal elements, in order, as go-cty's does.
func TestDistinctSameResult(t *testing.T) {
	s := cty.StringVal
	for _, in := range []cty.Value{
		cty.TupleVal([]cty.Value{s("b"), s("a"), s("b"), s("c"), s("a")}),
		cty.ListVal([]cty.Value{s("b"), s("a"), s("b")}),
		cty.ListValEmpty(cty.String),
		cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(1)}),
		cty.ListVal([]cty.Value{s("a"), cty.NullVal(cty.String), cty.NullVal(cty.String)}),
		cty.ListVal([]cty.Value{s("a"), cty.UnknownVal(cty.String)}),
	} {
		want, werr := stdlibDistinct(in)
		got, err := funcTable["distinct"].Call([]cty.Value{in})
		if (err != nil) != (werr != nil) || (err == nil && !got.RawEquals(want)) {
			t.Errorf("distinct(%#v) = %#v %v, want %#v %v", in, got, err, want, werr)
		}
	}
}

func stdlibDistinct(v cty.Value) (cty.Value, error) {
	if v.Type().IsTupleType() {
		v = cty.ListVal(v.AsValueSlice())
	}
	return stdlib.DistinctFunc.Call([]cty.Value{v})
}

// emailList is a literal HCL list of n emails, each of the first distinct
// ones again and again.
func emailList(n, distinct int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		fmt.Fprintf(&b, "%q,\n", fmt.Sprintf("p%06d@acme.com", i%distinct))
	}
	b.WriteString("]")
	return b.String()
}

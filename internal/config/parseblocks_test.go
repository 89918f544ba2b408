package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// parseBlocks must give the very tree a whole-file parse gives, ranges
// included, for every example configuration and the benchmark's; and
// must give up (nil) where a whole-file parse has something to say.
func TestParseBlocksSameTree(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string][]byte{"bench.hcl": benchConfig(300)}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = data
	}
	cut := 0
	for name, src := range srcs {
		_, cuts := scanBlocks(src, name, maxParseNesting)
		got, _ := parseBlocks(src, name, cuts, false)
		whole, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if got == nil {
			continue
		}
		cut++
		if diags.HasErrors() {
			t.Errorf("%s: cut into blocks although the whole file has errors: %s", name, diags)
			continue
		}
		if !reflect.DeepEqual(got, whole.Body) {
			t.Errorf("%s: the block-by-block tree differs from the whole-file tree", name)
		}
	}
	if cut < 3 {
		t.Fatalf("only %d files were cut into blocks", cut)
	}
	for _, bad := range []string{
		"team \"a\" {\n}\nteam \"b\" {\n  x = \n}\n",
		"a = 1\nteam \"a\" {\n}\nteam \"b\" {\n}\n",
		"team \"a\" {\n}\nteam \"b\" {\n}\n}\n",
		"team \"a\" {\n}\nteam \"b\" { \"\n}\n",
	} {
		_, cuts := scanBlocks([]byte(bad), "bad.hcl", maxParseNesting)
		if got, _ := parseBlocks([]byte(bad), "bad.hcl", cuts, false); got != nil {
			t.Errorf("%q was cut into blocks: a whole-file parse must report its problem", strings.ReplaceAll(bad, "\n", `\n`))
		}
	}
}

package importer

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/policy"
)

// sheet10k is a register of 10,000 rows for a Piwik PRO account of 200
// apps: 1,000 members (a team role and four app permissions each) and
// 1,250 guests (four app permissions each), with tickets, reasons and
// expiries, quoted values and padding, as a spreadsheet exports it.
func sheet10k() (cfg []byte, sheet []byte) {
	var c bytes.Buffer
	c.WriteString("team \"acme\" {\n  platform = \"piwikpro\"\n}\n")
	for i := range 200 {
		fmt.Fprintf(&c, "\nsite \"app-%03d\" {\n  team = \"acme\"\n}\n", i)
	}
	var s bytes.Buffer
	s.WriteString("\xef\xbb\xbfEmail,Site,Role,Expires,Ticket,Reason\r\n")
	roles := []string{"view", "edit", "edit_publish", "manage"}
	for m := range 1000 {
		fmt.Fprintf(&s, "user%04d@acme.com,,user,,IAM-%d,\"Team %d, analytics\"\r\n", m, m, m%17)
		for k := range 4 {
			fmt.Fprintf(&s, " user%04d@acme.com , app-%03d , %s ,,,\r\n", m, (m*7+k*31)%200, roles[(m+k)%4])
		}
	}
	for g := range 1250 {
		for k := range 4 {
			fmt.Fprintf(&s, "guest%04d@agency.com,app-%03d,%s,2027-%02d-28,EXT-%d,Agency work\r\n", g, (g*11+k*43)%200, roles[(g+k)%2], 1+g%12, g)
		}
	}
	return c.Bytes(), s.Bytes()
}

// BenchmarkImportCSV10k measures what `roster import --csv` does with a
// sheet of 10,000 rows besides reading files and writing the state: check
// every row, build the declarations, write them as HCL, load the
// configuration with them, and check the policy.
func BenchmarkImportCSV10k(b *testing.B) {
	cfgSrc, sheet := sheet10k()
	cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: cfgSrc}})
	if cfg.Diags.HasErrors() {
		b.Fatal(cfg.Diags)
	}
	in := SheetInput{Team: "acme", Platform: cfg.Config.Platforms["piwikpro"], Declared: cfg.Config.Objects, Now: testNow}
	b.SetBytes(int64(len(sheet)))
	b.ReportAllocs()
	for b.Loop() {
		res, _, errs := FromCSV(sheet, in)
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		src := res.HCL(testHeader, nil)
		comb := config.LoadSources([]config.Source{{Name: "main.hcl", Data: cfgSrc}, {Name: "imported_acme.hcl", Data: src}})
		if comb.Diags.HasErrors() {
			b.Fatal(comb.Diags)
		}
		if d := policy.Check(comb.Config, testNow); d.HasErrors() {
			b.Fatal(d)
		}
		if n := len(res.Addresses()); n != 10000 {
			b.Fatalf("%d objects, want 10000", n)
		}
	}
}

// TestSheet10k checks the benchmark's sheet once, so that a change that
// breaks it fails the tests and not only the benchmark.
func TestSheet10k(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (a 10,000-row sheet): skipped under -short; make test runs it")
	}
	cfgSrc, sheet := sheet10k()
	cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: cfgSrc}})
	if cfg.Diags.HasErrors() {
		t.Fatal(cfg.Diags)
	}
	res, _, errs := FromCSV(sheet, SheetInput{Team: "acme", Platform: cfg.Config.Platforms["piwikpro"], Declared: cfg.Config.Objects, Now: testNow})
	if len(errs) > 0 {
		t.Fatalf("%d errors, the first: %v", len(errs), errs[0])
	}
	if len(res.People) != 2250 || len(res.Addresses()) != 10000 {
		t.Fatalf("%d people, %d objects", len(res.People), len(res.Addresses()))
	}
	checkLoads(t, cfg, res, res.HCL(nil, nil))
}

// BenchmarkImportCSV10kParts splits BenchmarkImportCSV10k into its steps.
func BenchmarkImportCSV10kParts(b *testing.B) {
	cfgSrc, sheet := sheet10k()
	cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: cfgSrc}})
	in := SheetInput{Team: "acme", Platform: cfg.Config.Platforms["piwikpro"], Declared: cfg.Config.Objects, Now: testNow}
	res, _, _ := FromCSV(sheet, in)
	src := res.HCL(testHeader, nil)
	srcs := []config.Source{{Name: "main.hcl", Data: cfgSrc}, {Name: "imported_acme.hcl", Data: src}}
	comb := config.LoadSources(srcs)
	b.Run("sheet", func(b *testing.B) {
		for b.Loop() {
			FromCSV(sheet, in)
		}
	})
	b.Run("hcl", func(b *testing.B) {
		for b.Loop() {
			res.HCL(testHeader, nil)
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			config.LoadSources(srcs)
		}
	})
	b.Run("policy", func(b *testing.B) {
		for b.Loop() {
			policy.Check(comb.Config, testNow)
		}
	})
}

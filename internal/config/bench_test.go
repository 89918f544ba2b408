package config

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/roster-dev/roster/internal/model"
)

// benchConfig generates the workload of schema/performance.md: guests of
// ten grants each on a few teams with declared sites, with the
// attributes people write (reason, ticket, expires; some grants with their
// own expiry).
func benchConfig(grants int) []byte {
	var b bytes.Buffer
	teams := []string{"acme", "globex", "initech", "umbrella"}
	const sitesPerTeam = 50
	for _, t := range teams {
		fmt.Fprintf(&b, "team %q {\n  platform     = \"plausible\"\n  display_name = \"%s Inc.\"\n}\n\n", t, t)
		for s := 0; s < sitesPerTeam; s++ {
			fmt.Fprintf(&b, "site \"site%02d.%s.example\" {\n  team        = %q\n  environment = \"production\"\n}\n\n", s, t, t)
		}
	}
	for g := 0; g < grants/10; g++ {
		t := teams[g%len(teams)]
		fmt.Fprintf(&b, "guest \"person%06d@agency%d.example\" {\n  team    = %q\n  reason  = \"Agency support contract %d\"\n  ticket  = \"IAM-%d\"\n  expires = \"2027-06-30\"\n\n", g, g%97, t, g, 1000+g)
		for i := 0; i < 10; i++ {
			site := fmt.Sprintf("site%02d.%s.example", (g+i*7)%sitesPerTeam, t)
			if i == 3 {
				fmt.Fprintf(&b, "  grant %q {\n    role    = \"editor\"\n    expires = \"2027-01-31\"\n  }\n", site)
				continue
			}
			fmt.Fprintf(&b, "  grant %q { role = \"viewer\" }\n", site)
		}
		b.WriteString("}\n\n")
	}
	return b.Bytes()
}

var benchSizes = []int{1_000, 10_000, 100_000}

func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes {
		src := benchConfig(n)
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res := LoadSources([]Source{{Name: "main.hcl", Data: src}})
				if res.Diags.HasErrors() {
					b.Fatal(res.Diags)
				}
			}
		})
	}
}

// BenchmarkParseOnly is the floor of schema/performance.md: HCL's own parse
// of the same bytes.
func BenchmarkParseOnly(b *testing.B) {
	for _, n := range benchSizes {
		src := benchConfig(n)
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_, diags := hclparse.NewParser().ParseHCL(src, "main.hcl")
				if diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
	}
}

func TestBenchConfigLoads(t *testing.T) {
	res := LoadSources([]Source{{Name: "main.hcl", Data: benchConfig(1000)}})
	if res.Diags.HasErrors() {
		t.Fatal(res.Diags)
	}
	grants := 0
	for _, o := range res.Config.Objects {
		if o.Addr.Kind == model.KindGrant {
			grants++
		}
	}
	if grants != 1000 {
		t.Errorf("%d grants, want 1000", grants)
	}
}

// BenchmarkLoadRetained reports what a load result keeps alive while the
// command goes on (retained-MB: the live heap after a collection, the
// result still held) and the peak heap the load reached (peak-heap-MB,
// sampled by a collection-free watcher is not possible, so: the heap in
// use when LoadSources returns, before any collection).
func BenchmarkLoadRetained(b *testing.B) {
	for _, n := range benchSizes {
		src := benchConfig(n)
		b.Run(fmt.Sprintf("grants=%d", n), func(b *testing.B) {
			var retained, atReturn uint64
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before, ret, after runtime.MemStats
				runtime.ReadMemStats(&before)
				res := LoadSources([]Source{{Name: "main.hcl", Data: src}})
				runtime.ReadMemStats(&ret)
				runtime.GC()
				runtime.ReadMemStats(&after)
				if res.Diags.HasErrors() {
					b.Fatal(res.Diags)
				}
				runtime.KeepAlive(res)
				retained += after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
				atReturn += ret.HeapAlloc - min(ret.HeapAlloc, before.HeapAlloc)
			}
			b.ReportMetric(float64(retained)/float64(b.N)/(1<<20), "retained-MB")
			b.ReportMetric(float64(atReturn)/float64(b.N)/(1<<20), "heap-at-return-MB")
		})
	}
}

package render

import (
	"io"
	"testing"

	"github.com/roster-dev/roster/internal/plan"
)

// 100,000 create-changes of guest grants, the size of schema/performance.md's
// largest workload.
var benchPlan = func() func() *plan.Plan {
	var p *plan.Plan
	return func() *plan.Plan {
		if p == nil {
			p = grantsPlan(100_000, plan.RiskExternal)
		}
		return p
	}
}()

func BenchmarkWriteJSON(b *testing.B) {
	p := benchPlan()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSON(io.Discard, p, testVersion); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteText(b *testing.B) {
	p := benchPlan()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, p, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteTextColor(b *testing.B) {
	p := benchPlan()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, p, TextOptions{Color: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteMarkdown(b *testing.B) {
	p := benchPlan()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteMarkdown(io.Discard, p, MarkdownOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

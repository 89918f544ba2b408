package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// row is one line of the result table.
type row struct {
	workload string
	seconds  string // the measured figure: seconds, or a growth factor
	cpu      string
	p        string
	ratio    string
	cpuRatio string
	target   string
	rss      string
	verdict  string // PASS, FAIL or ERROR
	note     string // why, for ERROR and for a FAIL on RSS
}

// ratioRow judges a command against limit × P (measured beside it) and,
// when rssLimit > 0, a peak RSS in bytes.
func ratioRow(m *measurement, limit float64, rssLimit int64) row {
	r := row{workload: m.name, p: secs(m.p.wall), target: ratioTarget(limit, rssLimit)}
	if m.err != nil {
		return errorRow(r, m.err)
	}
	t := m.median()
	r.note = m.note
	ratio := t.Seconds() / m.p.wall.Seconds()
	r.seconds, r.cpu, r.rss = secs(t), secs(m.medianCPU()), mib(m.rss)
	r.ratio = fmtFloat(ratio) + "×"
	if m.p.cpu > 0 {
		r.cpuRatio = fmtFloat(m.medianCPU().Seconds()/m.p.cpu.Seconds()) + "×"
	}
	r.verdict = "PASS"
	if ratio > limit {
		r.verdict = "FAIL"
	}
	if rssLimit > 0 && m.rss > rssLimit {
		r.verdict = "FAIL"
		r.note = strings.TrimPrefix(r.note+"; ", "; ") + fmt.Sprintf("peak RSS %s is over %s", mib(m.rss), size(rssLimit))
	}
	return r
}

// ratioTarget is the target column of a ratio row.
func ratioTarget(limit float64, rssLimit int64) string {
	t := "≤ " + strconv.FormatFloat(limit, 'f', -1, 64) + "×P"
	if rssLimit > 0 {
		t += ", ≤ " + size(rssLimit)
	}
	return t
}

// skippedRow is a row that was not measured, with why.
func skippedRow(name string, limit float64, why string) row {
	return row{workload: name, seconds: "—", cpu: "—", p: "—", ratio: "—", cpuRatio: "—", target: ratioTarget(limit, 0), rss: "—", verdict: "SKIPPED", note: why}
}

// absRow judges a command against an absolute time.
func absRow(m *measurement, limit time.Duration) row {
	r := row{workload: m.name, p: "—", ratio: "—", cpuRatio: "—", target: "≤ " + strconv.FormatFloat(limit.Seconds(), 'f', -1, 64) + " s"}
	if m.err != nil {
		return errorRow(r, m.err)
	}
	t := m.median()
	r.note = m.note
	r.seconds, r.cpu, r.rss = secs(t), secs(m.medianCPU()), mib(m.rss)
	r.verdict = "PASS"
	if t > limit {
		r.verdict = "FAIL"
	}
	return r
}

// growthRow judges how plan time grows from the small to the large
// workload against how P grows: at most 1.2 times as fast. Each P is the
// one measured beside its plan.
func growthRow(small, large *measurement, sl, ll string) row {
	r := row{workload: fmt.Sprintf("growth of plan time, %s → %s", sl, ll), target: "≤ 1.2 × P's growth"}
	switch {
	case small.err != nil:
		return errorRow(r, small.err)
	case large.err != nil:
		return errorRow(r, large.err)
	}
	g := large.median().Seconds() / small.median().Seconds()
	pg := large.p.wall.Seconds() / small.p.wall.Seconds()
	r.seconds = fmtFloat(g) + "×"
	r.p = fmtFloat(pg) + "×"
	r.ratio = fmtFloat(g / pg)
	if small.p.cpu > 0 && large.p.cpu > 0 && small.medianCPU() > 0 {
		cg := large.medianCPU().Seconds() / small.medianCPU().Seconds()
		r.cpu = fmtFloat(cg) + "×"
		r.cpuRatio = fmtFloat(cg / (large.p.cpu.Seconds() / small.p.cpu.Seconds()))
	}
	r.verdict = "PASS"
	if g/pg > 1.2 {
		r.verdict = "FAIL"
	}
	return r
}

// cpuGrowthLimit bounds how CPU time per grant grows from the small to
// the large workload: a planner linear in its input stays near 1 (process
// start weighs more in the small one).
const cpuGrowthLimit = 1.2

// cpuGrowthRow judges how a plan's CPU time (user+sys) per grant grows
// from the small workload (sn grants) to the large one (ln): at most
// cpuGrowthLimit. The seconds column shows how the wall time per grant
// grows, beside it.
func cpuGrowthRow(small, large *measurement, sl, ll string, sn, ln int) row {
	r := row{workload: fmt.Sprintf("growth of plan CPU per grant, %s → %s", sl, ll), p: "—", ratio: "—", cpuRatio: "—", rss: "—",
		target: "cpu ≤ " + strconv.FormatFloat(cpuGrowthLimit, 'f', -1, 64) + "×"}
	switch {
	case small.err != nil:
		return errorRow(r, small.err)
	case large.err != nil:
		return errorRow(r, large.err)
	case small.medianCPU() <= 0 || small.median() <= 0:
		return errorRow(r, errors.New("no CPU time measured for the small workload"))
	}
	scale := float64(sn) / float64(ln)
	g := large.medianCPU().Seconds() / small.medianCPU().Seconds() * scale
	r.cpu = fmtFloat(g) + "×"
	r.seconds = fmtFloat(large.median().Seconds()/small.median().Seconds()*scale) + "×"
	r.verdict = "PASS"
	if g > cpuGrowthLimit+1e-9 { // 1.2 is 1.2, whatever the rounding
		r.verdict = "FAIL"
	}
	return r
}

func errorRow(r row, err error) row {
	r.verdict = "ERROR"
	r.note = err.Error()
	return r
}

func fmtFloat(f float64) string {
	switch {
	case f >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case f >= 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

var header = row{workload: "workload", seconds: "seconds", cpu: "cpu s", p: "P", ratio: "ratio", cpuRatio: "cpu ratio", target: "target", rss: "peak RSS", verdict: "result"}

// writeTable prints the rows aligned, then the notes of failed rows.
func writeTable(w io.Writer, rows []row) {
	all := append([]row{header}, rows...)
	cells := func(r row) []string {
		return []string{r.workload, r.seconds, r.cpu, r.p, r.ratio, r.cpuRatio, r.target, r.rss, r.verdict}
	}
	right := []bool{false, true, true, true, true, true, false, true, false}
	widths := make([]int, len(right))
	for _, r := range all {
		for i, c := range cells(r) {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(cs []string) {
		var b strings.Builder
		for i, c := range cs {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if right[i] {
				b.WriteString(pad + c)
			} else if i < len(cs)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(cells(header))
	total := len(widths) - 1
	for _, n := range widths {
		total += n + 1
	}
	fmt.Fprintln(w, strings.Repeat("-", total))
	for _, r := range rows {
		line(cells(r))
	}
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(w, "\n%s %s: %s\n", r.verdict, r.workload, r.note)
		}
	}
}

// size names a limit in bytes: 1 GiB, 512 MiB.
func size(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return strconv.FormatInt(b>>30, 10) + " GiB"
	}
	return mib(b)
}

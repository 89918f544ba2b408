package render

import (
	"io"
	"strconv"

	"github.com/roster-dev/roster/internal/mdtext"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// DefaultMarkdownLimit is the size a markdown plan stays under unless told
// otherwise: GitHub refuses comments over 65,536 characters.
const DefaultMarkdownLimit = 65000

// MarkdownOptions say how the markdown plan is written.
type MarkdownOptions struct {
	// Limit is the size in bytes (so never more characters) the comment
	// stays under; 0 means DefaultMarkdownLimit. Lists are cut to fit, each
	// with a line saying how many entries were left out. A limit too small
	// for the headings and those lines (about 1,000 bytes) is exceeded by
	// them.
	Limit int
}

// cutLine is the line that ends a list that was cut.
func cutLine(n int, what string) string {
	return "… and " + strconv.Itoa(n) + " more " + what + " not shown (see roster plan output)."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// mdSection is a list that may be cut to fit: laid out in full as
//
//	title open item... close tail
//
// cut as
//
//	title open item... close cutline tail
//
// and, when not one item fits, as title cutline tail.
type mdSection struct {
	title, open, close, tail string
	n                        int
	item                     func(i int) []byte
	what                     string // "changes", in the cut line
	// share is the part of the whole budget the section is sure of
	// (budget/share; 0 for nothing beyond its headings and cut line): the
	// sections before it leave it that much, or what it needs in full
	// when that is less.
	share int
	// cap, when set, is the most of the whole budget (budget/cap) the
	// section takes while the sections after it need the room.
	cap int

	items [][]byte // the items laid out so far, item(i) at i
}

// at is item i, laid out once.
func (s *mdSection) at(i int) []byte {
	for len(s.items) <= i {
		s.items = append(s.items, s.item(len(s.items)))
	}
	return s.items[i]
}

// reserve is what the sections before s leave it out of budget: its
// share, or its full size when that is smaller, and never less than its
// headings and cut line.
func (s *mdSection) reserve(budget int) int {
	if s.n == 0 {
		return 0
	}
	if s.share == 0 {
		return s.minSize()
	}
	return max(s.minSize(), s.need(budget/s.share))
}

// need is the section's full size, or want when it is larger.
func (s *mdSection) need(want int) int {
	if s.n == 0 {
		return 0
	}
	size := len(s.title) + len(s.open) + len(s.close) + len(s.tail)
	for i := 0; i < s.n && size <= want; i++ {
		size += len(s.at(i))
	}
	return min(size, want)
}

func (s *mdSection) cut(left int) string { return cutLine(left, s.what) + "\n\n" }

// minSize is the size of the section with no item shown.
func (s *mdSection) minSize() int {
	if s.n == 0 {
		return 0
	}
	return len(s.title) + len(s.cut(s.n)) + len(s.tail)
}

// render appends the section, using at most avail bytes where it can.
func (s *mdSection) render(b []byte, avail int) []byte {
	if s.n == 0 {
		return b
	}
	fixed := len(s.title) + len(s.open) + len(s.close) + len(s.tail)
	size := fixed
	var items [][]byte
	for i := 0; i < s.n; i++ {
		it := s.at(i)
		if size+len(it) > avail {
			break
		}
		items = append(items, it)
		size += len(it)
	}
	if len(items) < s.n {
		// Make room for the cut line.
		for len(items) > 0 && size+len(s.cut(s.n-len(items))) > avail {
			size -= len(items[len(items)-1])
			items = items[:len(items)-1]
		}
	}
	b = append(b, s.title...)
	if len(items) == 0 {
		b = append(b, s.cut(s.n)...)
		return append(b, s.tail...)
	}
	b = append(b, s.open...)
	for _, it := range items {
		b = append(b, it...)
	}
	b = append(b, s.close...)
	if len(items) < s.n {
		b = append(b, s.cut(s.n-len(items))...)
	}
	return append(b, s.tail...)
}

// roleCell appends "before → after" of a member's or grant's role.
func roleCell(b []byte, c *plan.Change) []byte {
	if c.Addr.Kind != model.KindMember && c.Addr.Kind != model.KindGrant {
		return append(b, "—"...)
	}
	side := func(b []byte, o *model.Object) []byte {
		if o == nil || o.Role == "" {
			return append(b, "—"...)
		}
		return mdtext.Code(b, o.Role, true)
	}
	b = side(b, c.Before)
	b = append(b, " → "...)
	return side(b, c.After)
}

// WriteMarkdown writes the plan as a pull-request comment: the summary and
// a table of counts, the risky changes, follow-up tasks, drift, open manual
// steps, and every change in a collapsible diff, all under opts.Limit bytes
// (long lists are cut, each with its cut line; the changes keep a third of
// the room and the warnings and notes take at most a quarter of it when
// others need it, so a plan with changes always shows some).
func WriteMarkdown(w io.Writer, p *plan.Plan, opts MarkdownOptions) error {
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultMarkdownLimit
	}
	v := newView(p)
	b := make([]byte, 0, 4096)

	b = append(b, "### roster plan\n\n"...)
	b = append(b, summaryLine(v)...)
	b = append(b, "\n\n"...)

	if len(p.Changes) > 0 {
		var risks []int // indices into riskNames with a count
		for k, n := range v.riskCounts {
			if n > 0 {
				risks = append(risks, k)
			}
		}
		b = append(b, "| action | changes |"...)
		for _, k := range risks {
			b = append(b, ' ')
			b = append(b, riskNames[k]...)
			b = append(b, " |"...)
		}
		b = append(b, "\n| --- | ---: |"...)
		for range risks {
			b = append(b, " ---: |"...)
		}
		b = append(b, '\n')
		var perAction [4][len(riskNames)]int
		counts := [4]int{v.add, v.chg, v.rmv, v.mov}
		actions := [4]plan.Action{plan.Create, plan.Update, plan.Delete, plan.Move}
		for i := range p.Changes {
			a := 0
			switch p.Changes[i].Action {
			case plan.Update:
				a = 1
			case plan.Delete:
				a = 2
			case plan.Move:
				a = 3
			}
			for _, r := range v.changeRiskSort[i] {
				if k := riskRank(r); k < len(riskNames) {
					perAction[a][k]++
				}
			}
		}
		for a, act := range actions {
			if act == plan.Move && v.mov == 0 {
				continue // the move row only when there are moves
			}
			b = append(b, "| "...)
			b = append(b, act...)
			b = append(b, " | "...)
			b = strconv.AppendInt(b, int64(counts[a]), 10)
			b = append(b, " |"...)
			for _, k := range risks {
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(perAction[a][k]), 10)
				b = append(b, " |"...)
			}
			b = append(b, '\n')
		}
		b = append(b, "| **total** | "...)
		b = strconv.AppendInt(b, int64(len(p.Changes)), 10)
		b = append(b, " |"...)
		for _, k := range risks {
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(v.riskCounts[k]), 10)
			b = append(b, " |"...)
		}
		b = append(b, "\n\n"...)
	}

	// Risky changes, in plan order.
	var risky []int
	for _, i := range v.changes {
		if len(v.changeRiskSort[i]) > 0 {
			risky = append(risky, i)
		}
	}
	sections := []*mdSection{
		{
			// What the text plan says on stderr (cli.md, version 2).
			title: "#### Warnings and notes\n\n",
			close: "\n",
			n:     len(p.Diagnostics),
			what:  "warnings and notes",
			cap:   4,
			item: func(k int) []byte {
				d := &p.Diagnostics[k]
				r := append(make([]byte, 0, 160), "- **"...)
				r = append(r, d.Severity...)
				r = append(r, "**"...)
				if d.Range != nil {
					r = append(r, ' ')
					r = mdtext.Code(r, d.Range.Filename+":"+strconv.Itoa(d.Range.Start.Line), false)
				}
				r = append(r, ": "...)
				r = mdtext.Text(r, d.Summary)
				if d.Detail != "" {
					r = append(r, " — "...)
					r = mdtext.Text(r, d.Detail)
				}
				return append(r, '\n')
			},
		},
		{
			title: "#### Risky changes\n\n",
			open:  "| address | action | risks | role | why |\n| --- | --- | --- | --- | --- |\n",
			close: "\n",
			n:     len(risky),
			what:  "risky changes",
			item: func(k int) []byte {
				i := risky[k]
				c := &p.Changes[i]
				r := make([]byte, 0, 160)
				r = append(r, "| "...)
				r = mdtext.Code(r, v.changeAddrs[i], true)
				r = append(r, " | "...)
				r = mdtext.Text(r, string(c.Action))
				r = append(r, " | "...)
				for j, risk := range v.changeRiskSort[i] {
					if j > 0 {
						r = append(r, ", "...)
					}
					r = mdtext.Text(r, string(risk))
				}
				r = append(r, " | "...)
				r = roleCell(r, c)
				r = append(r, " | "...)
				r = mdtext.Text(r, c.Why)
				return append(r, " |\n"...)
			},
		},
		{
			title: "#### Follow-up tasks\n\n",
			close: "\n",
			n:     len(v.followUps),
			what:  "follow-up tasks",
			item: func(k int) []byte {
				i := v.followUps[k]
				f := &p.FollowUps[i]
				r := append([]byte(nil), "- "...)
				r = mdtext.Code(r, v.followUpAddrs[i], false)
				r = append(r, ": "...)
				r = mdtext.Text(r, f.Text)
				r = append(r, " ("...)
				r = mdtext.Code(r, f.Task, false)
				return append(r, ")\n"...)
			},
		},
		{
			// The changes apply will record as manual steps.
			title: "#### Manual steps this plan makes\n\n",
			close: "\n",
			n:     len(p.Upcoming),
			what:  "manual steps",
			item: func(k int) []byte {
				m := &p.Upcoming[k]
				r := append([]byte(nil), "- "...)
				r = mdtext.Code(r, m.Addr.String(), false)
				r = append(r, " ("...)
				r = mdtext.Text(r, m.Change)
				r = append(r, "): "...)
				r = mdtext.Text(r, m.Text)
				return append(r, '\n')
			},
		},
		{
			title: "#### Changes outside roster\n\n",
			open:  "```diff\n",
			close: "```\n\n",
			n:     len(v.drift),
			what:  "changes outside roster",
			item: func(k int) []byte {
				i := v.drift[k]
				return appendDrift(nil, &p.Drift[i], v.driftAddrs[i], style{diff: true})
			},
		},
	}
	var manual string
	if len(p.Manual) > 0 {
		manual = manualLine(len(p.Manual)) + "\n\n"
	}
	var scratch []attrDiff
	details := &mdSection{
		title: "<details><summary>" + plural(len(p.Changes), "change", "changes") + "</summary>\n\n",
		open:  "```diff\n",
		close: "```\n\n",
		tail:  "</details>\n",
		n:     len(v.changes),
		what:  "changes",
		share: 3,
		item: func(k int) []byte {
			i := v.changes[k]
			var r []byte
			if k > 0 {
				r = append(r, '\n')
			}
			r, scratch = appendChange(r, &p.Changes[i], v.changeAddrs[i], v.changeRiskSort[i], style{diff: true}, scratch)
			return r
		},
	}
	sections = append(sections, details)

	// Each section may use what is left once the later ones have their
	// reserve: a third of the budget for the changes (or what they
	// need, when less), room for their cut lines for the others. The
	// warnings and notes take at most a quarter while the sections after
	// them need the room. So no list of warnings, risky changes, drift or
	// follow-ups pushes every change out of the comment (cli.md: every
	// change in the details section, only the long tail cut). The final
	// newline trim below only shrinks the text.
	budget := limit - 1 - len(b) - len(manual)
	whole := budget
	for k, s := range sections {
		reserve, later := 0, 0
		for _, l := range sections[k+1:] {
			reserve += l.reserve(whole)
			if s.cap > 0 {
				later += l.need(whole)
			}
		}
		avail := budget - reserve
		if s.cap > 0 {
			avail = min(avail, max(whole/s.cap, budget-later))
		}
		before := len(b)
		b = s.render(b, avail)
		budget -= len(b) - before
		if s == sections[len(sections)-2] {
			b = append(b, manual...)
		}
	}

	// End with exactly one newline.
	for len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}

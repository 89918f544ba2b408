package render

import (
	"cmp"
	"slices"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// view is a plan in the order every renderer prints it: changes and drift by
// address, follow-ups by address then task, manual steps by address, task
// and change, cost by team. The planner already sorts; the renderer sorts
// again (only when needed) so that its output never depends on the order it
// was handed. Address strings are computed once.
type view struct {
	p *plan.Plan

	changes     []int    // indices into p.Changes, in print order
	changeAddrs []string // address of p.Changes[i], by i

	drift      []int
	driftAddrs []string

	followUps      []int
	followUpAddrs  []string
	manual         []int
	manualAddrs    []string
	cost           []int
	add, chg, rmv  int
	riskCounts     [len(riskNames)]int
	changeRiskSort [][]plan.Risk // risks of p.Changes[i] in RiskOrder
}

// riskNames is plan.RiskOrder as a fixed-size array, so counts can live in
// an array.
var riskNames = [...]plan.Risk{
	plan.RiskEscalation, plan.RiskExternal, plan.RiskProduction, plan.RiskOwner,
	plan.RiskRemoval, plan.RiskPolicyWeakened, plan.RiskExpired, plan.RiskDrift,
}

func riskRank(r plan.Risk) int {
	for i, x := range riskNames {
		if x == r {
			return i
		}
	}
	return len(riskNames)
}

func addrStrings[T any](xs []T, addr func(*T) model.Address) []string {
	out := make([]string, len(xs))
	for i := range xs {
		out[i] = addr(&xs[i]).String()
	}
	return out
}

// order returns 0..n-1 sorted stably by less; it sorts only when the input
// is out of order.
func order(n int, cmpFn func(a, b int) int) []int {
	idx := make([]int, n)
	sorted := true
	for i := range idx {
		idx[i] = i
		if i > 0 && sorted && cmpFn(i-1, i) > 0 {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(idx, cmpFn)
	}
	return idx
}

func newView(p *plan.Plan) *view {
	v := &view{p: p}
	v.changeAddrs = addrStrings(p.Changes, func(c *plan.Change) model.Address { return c.Addr })
	v.changes = order(len(p.Changes), func(a, b int) int { return cmp.Compare(v.changeAddrs[a], v.changeAddrs[b]) })

	v.driftAddrs = addrStrings(p.Drift, func(d *plan.Drift) model.Address { return d.Addr })
	v.drift = order(len(p.Drift), func(a, b int) int { return cmp.Compare(v.driftAddrs[a], v.driftAddrs[b]) })

	v.followUpAddrs = addrStrings(p.FollowUps, func(f *plan.FollowUp) model.Address { return f.Site })
	v.followUps = order(len(p.FollowUps), func(a, b int) int {
		return cmp.Or(cmp.Compare(v.followUpAddrs[a], v.followUpAddrs[b]),
			cmp.Compare(p.FollowUps[a].Task, p.FollowUps[b].Task))
	})

	v.manualAddrs = addrStrings(p.Manual, func(m *plan.Manual) model.Address { return m.Addr })
	v.manual = order(len(p.Manual), func(a, b int) int {
		return cmp.Or(cmp.Compare(v.manualAddrs[a], v.manualAddrs[b]),
			cmp.Compare(p.Manual[a].Task, p.Manual[b].Task),
			cmp.Compare(p.Manual[a].Change, p.Manual[b].Change))
	})

	v.cost = order(len(p.Cost), func(a, b int) int { return cmp.Compare(p.Cost[a].Team, p.Cost[b].Team) })

	v.changeRiskSort = make([][]plan.Risk, len(p.Changes))
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Action {
		case plan.Create:
			v.add++
		case plan.Update:
			v.chg++
		case plan.Delete:
			v.rmv++
		}
		rs := c.Risks
		if !slices.IsSortedFunc(rs, func(a, b plan.Risk) int { return cmp.Compare(riskRank(a), riskRank(b)) }) {
			rs = slices.Clone(rs)
			slices.SortStableFunc(rs, func(a, b plan.Risk) int { return cmp.Compare(riskRank(a), riskRank(b)) })
		}
		v.changeRiskSort[i] = rs
		for _, r := range rs {
			if k := riskRank(r); k < len(riskNames) {
				v.riskCounts[k]++
			}
		}
	}
	return v
}

package kit

import "fmt"

// MaxPages bounds one list, so that a server that never ends a list
// cannot keep roster reading forever.
const MaxPages = 100000

// Pager holds a paged list to its word. Feed it each page with Page; it
// says when the list is complete and refuses a page that breaks the
// paging's promises (schema/sync.md, Reading safely).
type Pager struct {
	// Linked is true when each page says whether another follows (a next
	// link or cursor: PostHog, Plausible); false when only the stated
	// total does (Piwik PRO).
	Linked bool

	read, pages int
	total       int
	hasTotal    bool
}

// Read is how many items the pages held so far.
func (p *Pager) Read() int { return p.read }

// Pages is how many pages were fed.
func (p *Pager) Pages() int { return p.pages }

// Page records a page of items. total is the list's length as the page
// states it (nil when the paging states none); more is true when a
// Linked page promises a next one. done reports that the list is
// complete.
func (p *Pager) Page(items int, total *int, more bool) (done bool, err error) {
	p.pages++
	if total != nil {
		if *total < 0 {
			return false, fmt.Errorf("page %d states a negative total (%d)", p.pages, *total)
		}
		if p.hasTotal && *total != p.total {
			return false, fmt.Errorf("the total changed from %d to %d between pages %d and %d", p.total, *total, p.pages-1, p.pages)
		}
		p.total, p.hasTotal = *total, true
	}
	if !p.Linked && !p.hasTotal {
		return false, fmt.Errorf("page %d states no total", p.pages)
	}
	before := p.read
	p.read += items
	if !p.Linked {
		more = p.read < p.total
	}
	switch {
	case items == 0 && p.hasTotal && before < p.total:
		return false, fmt.Errorf("page %d is empty after %d items of a stated total of %d", p.pages, before, p.total)
	case items == 0 && more:
		return false, fmt.Errorf("page %d is empty while the paging promises more", p.pages)
	case p.hasTotal && p.read > p.total:
		return false, fmt.Errorf("the pages hold %d items, more than the stated total of %d", p.read, p.total)
	case more && p.hasTotal && p.read >= p.total:
		return false, fmt.Errorf("page %d promises more, but the %d items read already make the stated total", p.pages, p.read)
	case !more && p.hasTotal && p.read != p.total:
		return false, fmt.Errorf("the list ended after %d items, but its stated total is %d", p.read, p.total)
	}
	if !more {
		return true, nil
	}
	if p.pages >= MaxPages {
		return false, fmt.Errorf("more pages promised after %d; roster stopped reading", p.pages)
	}
	return false, nil
}

// Page is one page of a list as a driver read it: its items, the total
// it states (nil: none), whether it promises another (Linked paging),
// and the API log lines of its requests.
type Page[T any] struct {
	Items []T
	Total *int
	More  bool
	API   []string
}

// ReadPages reads a paged list to its end, held to its word by pg: next
// reads the next page (pg.Read() is the offset of an offset-paged list),
// and its error ends the list as it is. A page that breaks the paging's
// promises is an error naming platform and request, the list's request
// (GET path) as the message says it. It returns the items read, and the
// request lines and pages read, also on failure.
func ReadPages[T any](pg *Pager, platform, request string, next func() (Page[T], error)) ([]T, Response, error) {
	var out []T
	var res Response
	for {
		p, err := next()
		res.API = append(res.API, p.API...)
		res.Pages = pg.Pages()
		if err != nil {
			return out, res, err
		}
		out = append(out, p.Items...)
		done, err := pg.Page(len(p.Items), p.Total, p.More)
		res.Pages = pg.Pages()
		if err != nil {
			return out, res, fmt.Errorf("%s answered %s with paging that does not keep its word: %v; nothing was planned from it, try again later", platform, request, err)
		}
		if done {
			return out, res, nil
		}
	}
}

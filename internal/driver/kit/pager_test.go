package kit

import (
	"errors"
	"fmt"
	"testing"
)

// ReadPages feeds every page to the pager, keeps each page's request
// lines and the pages read, and ends on next's error or a broken promise.
func TestReadPages(t *testing.T) {
	// sizes are the pages' lengths, each stating total; after them next
	// fails with stop.
	pages := func(total int, stop error, sizes ...int) ([]int, Response, error) {
		pg := &Pager{}
		i := 0
		return ReadPages(pg, "P", "GET /l", func() (Page[int], error) {
			api := []string{fmt.Sprintf("GET /l?offset=%d 200", pg.Read())}
			if i == len(sizes) {
				return Page[int]{API: api}, stop
			}
			items := make([]int, sizes[i])
			for j := range items {
				items[j] = pg.Read() + j
			}
			i++
			return Page[int]{Items: items, Total: &total, API: api}, nil
		})
	}
	got, res, err := pages(5, nil, 2, 2, 1)
	if fmt.Sprint(got) != "[0 1 2 3 4]" || res.Pages != 3 || fmt.Sprint(res.API) != "[GET /l?offset=0 200 GET /l?offset=2 200 GET /l?offset=4 200]" || err != nil {
		t.Errorf("a whole list: %v %+v %v", got, res, err)
	}
	// An empty page before the stated total breaks the paging's word.
	got, res, err = pages(6, nil, 2, 2, 0)
	if fmt.Sprint(got) != "[0 1 2 3]" || res.Pages != 3 || len(res.API) != 3 ||
		err == nil || err.Error() != "P answered GET /l with paging that does not keep its word: page 3 is empty after 4 items of a stated total of 6; nothing was planned from it, try again later" {
		t.Errorf("broken paging: %v %+v %v", got, res, err)
	}
	// next fails on the third page: what was read comes back with its
	// error and the failed page's request lines.
	boom := errors.New("boom")
	got, res, err = pages(6, boom, 2, 2)
	if fmt.Sprint(got) != "[0 1 2 3]" || res.Pages != 2 || len(res.API) != 3 || err != boom {
		t.Errorf("failed page: %v %+v %v", got, res, err)
	}
}

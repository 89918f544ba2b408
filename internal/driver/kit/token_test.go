package kit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fetched := 0
	var fail error
	tk := Tokens{
		Now:    func() time.Time { return now },
		Margin: time.Minute,
		Fetch: func(ctx context.Context) (string, time.Duration, []string, error) {
			fetched++
			line := fmt.Sprintf("POST /token %d", fetched)
			if fail != nil {
				return "", 0, []string{line}, fail
			}
			return fmt.Sprintf("tok%d", fetched), 10 * time.Minute, []string{line}, nil
		},
	}
	header := func(ctx context.Context) string {
		r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
		tk.Auth(r)
		return r.Header.Get("Authorization")
	}

	// The first call fetches a token; its lines come first.
	ctx, c1 := WithTokenCall(context.Background())
	if err := tk.Ensure(ctx, c1); err != nil {
		t.Fatal(err)
	}
	if h := header(ctx); h != "Bearer tok1" {
		t.Errorf("header %q", h)
	}
	if got := c1.Lines([]string{"GET /a 200"}); !slices.Equal(got, []string{"POST /token 1", "GET /a 200"}) {
		t.Errorf("lines %q", got)
	}

	// Within its life less the margin, the token is kept.
	now = now.Add(8 * time.Minute)
	ctx2, c2 := WithTokenCall(context.Background())
	if err := tk.Ensure(ctx2, c2); err != nil || fetched != 1 || len(c2.Pre()) != 0 {
		t.Fatalf("kept token: fetched %d, pre %q, %v", fetched, c2.Pre(), err)
	}
	header(ctx2)

	// Within the margin of its expiry, it is replaced.
	now = now.Add(90 * time.Second)
	ctx3, c3 := WithTokenCall(context.Background())
	if err := tk.Ensure(ctx3, c3); err != nil || fetched != 2 || tk.Token() != "tok2" {
		t.Fatalf("expiring token: fetched %d, token %q, %v", fetched, tk.Token(), err)
	}
	header(ctx3)

	// After a 401, the call whose request carried the current token
	// renews it; one that carried an older token (c2: tok1) does not.
	if err := tk.Renew(ctx2); err != nil || fetched != 2 {
		t.Fatalf("stale renew fetched: %d, %v", fetched, err)
	}
	if err := tk.Renew(ctx3); err != nil || fetched != 3 || tk.Token() != "tok3" {
		t.Fatalf("renew: fetched %d, token %q, %v", fetched, tk.Token(), err)
	}
	want := []string{"POST /token 2", "GET /b 401", "POST /token 3", "GET /b 200"}
	if got := c3.Lines([]string{"GET /b 401", "GET /b 200"}); !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if got := c3.Renewed(); !slices.Equal(got, []string{"POST /token 3"}) {
		t.Errorf("renewed %q", got)
	}

	// A failed fetch keeps the old token and says so with its lines.
	fail = errors.New("refused")
	ctx4, c4 := WithTokenCall(context.Background())
	header(ctx4)
	if err := tk.Renew(ctx4); !errors.Is(err, fail) || tk.Token() != "tok3" {
		t.Fatalf("failed renew: token %q, %v", tk.Token(), err)
	}
	if got := c4.Lines(nil); !slices.Equal(got, []string{"POST /token 4"}) {
		t.Errorf("failed renew lines %q", got)
	}
}

package ops

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestChangeRequestURL: only a pull request's merge ref, with a number,
// names a change request; any other ref (a branch, a tag, a number that
// is not one) names none rather than a URL built from what it holds.
func TestChangeRequestURL(t *testing.T) {
	const server, repo = "https://github.com/", "acme/access"
	for _, tc := range []struct{ ref, want string }{
		{"refs/pull/42/merge", "https://github.com/acme/access/pull/42"},
		{"refs/heads/main", ""},
		{"refs/pull/42/head", ""},
		{"refs/pull//merge", ""},
		{"refs/pull/../../evil/merge", ""},
		{"refs/pull/4 2/merge", ""},
		{"refs/pull/42?x=1/merge", ""},
		{"refs/pull/-1/merge", ""},
	} {
		if got := changeRequestURL(tc.ref, server, repo); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.ref, got, tc.want)
		}
	}
	if got := changeRequestURL("refs/pull/42/merge", "", repo); got != "" {
		t.Errorf("no server: %q", got)
	}
}

// pullURL is the only shape changeRequestURL gives besides "".
var pullURL = regexp.MustCompile(`/pull/[0-9]+$`)

func FuzzChangeRequestURL(f *testing.F) {
	f.Add("refs/pull/42/merge", "https://github.com", "acme/access")
	f.Add("refs/pull/../x/merge", "https://github.com/", "a/b")
	f.Add("refs/heads/main", "", "")
	f.Fuzz(func(t *testing.T, ref, server, repo string) {
		got := changeRequestURL(ref, server, repo)
		if got == "" {
			return
		}
		n := strings.TrimSuffix(strings.TrimPrefix(ref, "refs/pull/"), "/merge")
		if !pullURL.MatchString(got) || !strings.HasSuffix(got, "/pull/"+n) || !strings.HasPrefix(got, strings.TrimRight(server, "/")+"/"+repo+"/") {
			t.Fatalf("%q %q %q gave %q", ref, server, repo, got)
		}
	})
}

func FuzzApproverList(f *testing.F) {
	f.Add("alice@acme.com, bob@acme.com")
	f.Add(" , ,")
	f.Add("a,,b,")
	f.Fuzz(func(t *testing.T, s string) {
		got := approverList(s)
		for _, a := range got {
			if a == "" || a != strings.TrimSpace(a) || strings.Contains(a, ",") {
				t.Fatalf("%q gave approver %q", s, a)
			}
		}
		// The list, written back as a comma list, reads the same.
		if again := approverList(strings.Join(got, ", ")); !slices.Equal(again, got) {
			t.Fatalf("%q gave %q, which reads back as %q", s, got, again)
		}
	})
}

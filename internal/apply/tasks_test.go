package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// previousRelease opens a copy of a state file the previous release wrote
// (it keeps no set of open follow-up tasks), and the addresses of two of
// its sites.
func previousRelease(t *testing.T) (state.Store, model.Address, model.Address) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "state", "boltstore", "testdata", "prev", "agency.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var sites []model.Address
	for _, o := range snap.Objects {
		if o.Addr.Kind == model.KindSite {
			sites = append(sites, o.Addr)
		}
	}
	if len(sites) < 2 {
		t.Fatalf("the state holds %d sites", len(sites))
	}
	return st, sites[0], sites[1]
}

// commitAsBefore appends records as the previous release did: in the
// evidence only.
func commitAsBefore(t *testing.T, st state.Store, recs ...*evidence.Record) {
	t.Helper()
	ctx := context.Background()
	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial}
	for _, r := range recs {
		sealed, err := chain.Seal(r)
		if err != nil {
			t.Fatal(err)
		}
		cs.Evidence = append(cs.Evidence, sealed)
	}
	if _, err := st.Commit(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

func followUp(site model.Address, task string) evidence.FollowUp {
	return evidence.FollowUp{Address: site.String(), Task: task, Text: task + " on " + site.Site}
}

func openTasks(t *testing.T, st state.Store) ([]string, bool) {
	t.Helper()
	tasks, kept, err := st.OpenTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tk := range tasks {
		out = append(out, tk.Key()+" "+tk.Text)
	}
	return out, kept
}

// TestTasksOfPreviousRelease: on a state the previous release wrote, the
// open follow-up tasks are those its evidence tells; the first confirm
// starts the state's own set, in its transaction, and later ones change
// it.
func TestTasksOfPreviousRelease(t *testing.T) {
	ctx := context.Background()
	st, s1, s2 := previousRelease(t)
	when := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := evidence.FormatTime(when)
	grant := model.PersonGrantAddress(s1.Team, s1.Site, "gone@x.com")
	commitAsBefore(t, st,
		&evidence.Record{Time: at, Address: grant.String(), Action: "delete", Outcome: evidence.OutcomeApplied,
			FollowUps: []evidence.FollowUp{followUp(s1, "rotate_api_key"), followUp(s1, "review_shared_links")}},
		&evidence.Record{Time: at, Address: grant.String(), Action: "delete", Outcome: evidence.OutcomeApplied,
			FollowUps: []evidence.FollowUp{followUp(s2, "rotate_api_key")}},
		&evidence.Record{Time: at, Address: s1.String(), Action: evidence.ActionConfirm, Outcome: evidence.OutcomeApplied,
			FollowUps: []evidence.FollowUp{followUp(s1, "review_shared_links")}},
	)
	if got, kept := openTasks(t, st); kept || got != nil {
		t.Fatalf("the state keeps tasks: %v", got)
	}
	keys := derivedTaskKeys(t, st)
	k1, k2 := s1.String()+"#rotate_api_key rotate_api_key on "+s1.Site, s2.String()+"#rotate_api_key rotate_api_key on "+s2.Site
	if d := cmp.Diff([]string{k1, k2}, keys); d != "" {
		t.Fatalf("derived tasks (-want +got):\n%s", d)
	}

	snap, _ := st.Snapshot(ctx)
	item := runbook.ForTask("plausible", s2, "rotate_api_key", "rotate_api_key on "+s2.Site)
	if _, err := Confirm(ctx, st, snap, []runbook.Item{item}, Meta{Actor: "anna", Time: when}, "done"); err != nil {
		t.Fatal(err)
	}
	if got, kept := openTasks(t, st); !kept || !cmp.Equal(got, []string{k1}) {
		t.Fatalf("after the first confirm: %v, kept %t; want [%s], kept", got, kept, k1)
	}
	snap, _ = st.Snapshot(ctx)
	item = runbook.ForTask("plausible", s1, "rotate_api_key", "rotate_api_key on "+s1.Site)
	if _, err := Confirm(ctx, st, snap, []runbook.Item{item}, Meta{Actor: "anna", Time: when}, "done"); err != nil {
		t.Fatal(err)
	}
	if got, kept := openTasks(t, st); !kept || len(got) != 0 {
		t.Fatalf("after the second confirm: %v, kept %t; want none, kept", got, kept)
	}
}

// TestTasksUndecodableRecord: a record that does not decode stops the
// reading of the open tasks, and a confirm, which writes nothing.
func TestTasksUndecodableRecord(t *testing.T) {
	ctx := context.Background()
	st, s1, _ := previousRelease(t)
	seq, head, err := st.EvidenceHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := st.Snapshot(ctx)
	// The damaged record is not the head (OpenChain checks that one):
	// two sound records follow it.
	bad := fmt.Sprintf(`{"follow_ups":[{"address":7,"task":"rotate_api_key","text":""}],"hash":"sha256:bad","prev_hash":%q,"seq":%d}`, head, seq+1)
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial,
		Evidence: []state.EvidenceRecord{{Seq: seq + 1, PrevHash: head, Hash: "sha256:bad", JSON: []byte(bad)}}}
	chain := evidence.Chain{Seq: seq + 1, Hash: "sha256:bad"}
	for range 2 {
		r, err := chain.Seal(&evidence.Record{Time: evidence.FormatTime(time.Now()), Address: s1.String(), Action: evidence.ActionReview, Outcome: evidence.OutcomeApplied})
		if err != nil {
			t.Fatal(err)
		}
		cs.Evidence = append(cs.Evidence, r)
	}
	if _, err := st.Commit(ctx, cs); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("evidence record %d cannot be read", seq+1)
	if _, err := evidence.OpenTasks(ctx, st); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("OpenTasks: %v, want %q", err, want)
	}
	snap, _ = st.Snapshot(ctx)
	item := runbook.ForTask("plausible", s1, "rotate_api_key", "x")
	if _, err := Confirm(ctx, st, snap, []runbook.Item{item}, Meta{Actor: "anna", Time: time.Now()}, ""); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Confirm: %v, want %q", err, want)
	}
	if n, _, _ := st.EvidenceHead(ctx); n != seq+3 {
		t.Errorf("the failed confirm wrote: evidence head %d", n)
	}
	if _, kept := openTasks(t, st); kept {
		t.Error("the failed confirm made the state keep tasks")
	}
}

// TestTasksFollowMovesOfPreviousRelease: on a state the previous release
// wrote, a site's move record in the evidence moves the tasks open on it,
// as the set derived from the chain tells them; roster state mv of the
// other site starts the state's own set in its transaction, that site's
// tasks at its new address.
func TestTasksFollowMovesOfPreviousRelease(t *testing.T) {
	ctx := context.Background()
	st, s1, s2 := previousRelease(t)
	when := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := evidence.FormatTime(when)
	grant := model.PersonGrantAddress(s1.Team, s1.Site, "gone@x.com")
	s1New := model.SiteAddress(s1.Team, "renamed-"+s1.Site)
	commitAsBefore(t, st,
		&evidence.Record{Time: at, Address: grant.String(), Action: "delete", Outcome: evidence.OutcomeApplied,
			FollowUps: []evidence.FollowUp{followUp(s1, "rotate_api_key"), followUp(s2, "rotate_api_key")}},
		// The previous release moved the site, not its task.
		&evidence.Record{Time: at, Address: s1New.String(), Action: evidence.ActionMove, Outcome: evidence.OutcomeApplied,
			Why: evidence.WhyMovedFrom + s1.String()},
	)
	keys := derivedTaskKeys(t, st)
	k1 := s1New.String() + "#rotate_api_key rotate_api_key on " + s1.Site
	k2 := s2.String() + "#rotate_api_key rotate_api_key on " + s2.Site
	want := []string{k1, k2}
	slices.Sort(want)
	if d := cmp.Diff(want, keys); d != "" {
		t.Fatalf("derived tasks (-want +got):\n%s", d)
	}

	snap, _ := st.Snapshot(ctx)
	s2New := model.SiteAddress(s2.Team, "renamed-"+s2.Site)
	if _, err := StateMove(ctx, st, snap, s2, s2New, Meta{Actor: "anna", Time: when}); err != nil {
		t.Fatal(err)
	}
	want = []string{k1, s2New.String() + "#rotate_api_key rotate_api_key on " + s2.Site}
	slices.Sort(want)
	if got, kept := openTasks(t, st); !kept || !cmp.Equal(got, want) {
		t.Fatalf("after state mv: %v, kept %t; want %v, kept", got, kept, want)
	}
}

// TestTasksCloseAtForgetsOfPreviousRelease: on a state the previous
// release wrote, a site's forget record in the evidence closes the tasks
// open on it, as the set derived from the chain tells them; roster state
// rm of the other site starts the state's own set in its transaction,
// without that site's tasks.
func TestTasksCloseAtForgetsOfPreviousRelease(t *testing.T) {
	ctx := context.Background()
	st, s1, s2 := previousRelease(t)
	raised := &evidence.Record{Address: model.PersonGrantAddress(s1.Team, s1.Site, "gone@x.com").String(), Action: "delete",
		FollowUps: []evidence.FollowUp{followUp(s1, "rotate_api_key"), followUp(s2, "rotate_api_key"), followUp(s2, "review_shared_links")}}
	// The previous release forgot the site, not its task.
	forgot := &evidence.Record{Address: s1.String(), Action: evidence.ActionForget}
	for _, r := range []*evidence.Record{raised, forgot} {
		r.Time, r.Outcome = evidence.FormatTime(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)), evidence.OutcomeApplied
	}
	commitAsBefore(t, st, raised, forgot)
	want := []string{s2.String() + "#review_shared_links review_shared_links on " + s2.Site, s2.String() + "#rotate_api_key rotate_api_key on " + s2.Site}
	if d := cmp.Diff(want, derivedTaskKeys(t, st)); d != "" {
		t.Fatalf("derived tasks (-want +got):\n%s", d)
	}

	snap, _ := st.Snapshot(ctx)
	if _, err := StateForget(ctx, st, snap, s2, Meta{Actor: "anna", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, kept := openTasks(t, st); !kept || len(got) != 0 {
		t.Fatalf("after state rm: %v, kept %t; want none, kept", got, kept)
	}
}

// derivedTaskKeys are the open tasks a previous release's state derives
// from its evidence chain, as "KEY TEXT".
func derivedTaskKeys(t *testing.T, st state.Store) []string {
	t.Helper()
	derived, err := evidence.OpenTasks(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tk := range derived {
		keys = append(keys, tk.Key()+" "+tk.Text)
	}
	return keys
}

// countOpenTasks counts the reads of the open follow-up tasks.
type countOpenTasks struct {
	state.Store
	reads int
}

func (c *countOpenTasks) OpenTasks(ctx context.Context) ([]state.Task, bool, error) {
	c.reads++
	return c.Store.OpenTasks(ctx)
}

// TestConnectedWriterReadsOpenTasksOnce: a connected apply commits once
// per change under one lock; it reads the open follow-up tasks at its
// first commit only and carries them on, and the state ends as if each
// commit had read them (a task raised again keeps both texts).
func TestConnectedWriterReadsOpenTasksOnce(t *testing.T) {
	ctx := context.Background()
	base, siteA, siteB := previousRelease(t)
	st := &countOpenTasks{Store: base}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{st: st, lineage: snap.Lineage, serial: snap.Serial, chain: chain}
	raise := func(person string, fu ...evidence.FollowUp) {
		t.Helper()
		r := &evidence.Record{Time: "2026-12-01T10:00:00Z", Address: "member/" + siteA.Team + "/" + person, Action: "delete",
			Outcome: evidence.OutcomeApplied, FollowUps: fu}
		if err := w.commit(ctx, nil, nil, []*evidence.Record{r}); err != nil {
			t.Fatal(err)
		}
	}
	rotateA := followUp(siteA, "rotate_api_key")
	raise("ann@x.com", rotateA)
	raise("ben@x.com")
	second := rotateA
	second.Text = "rotate again on " + siteA.Site
	raise("cy@x.com", second, followUp(siteB, "review_shared_links"))
	if st.reads != 1 {
		t.Errorf("the open tasks were read %d times over three commits, want once", st.reads)
	}
	got, kept := openTasks(t, base)
	if !kept {
		t.Fatal("the state keeps no open tasks after the writer's commits")
	}
	var want []string
	for _, tk := range w.open {
		want = append(want, tk.Key()+" "+tk.Text)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the writer's open tasks differ from the state's (-writer +state):\n%s", d)
	}
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.Contains(s, rotateA.Text) && strings.Contains(s, second.Text)
	}) {
		t.Errorf("the task raised again lost a text: %v", got)
	}
}

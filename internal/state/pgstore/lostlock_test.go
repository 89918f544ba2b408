package pgstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestLockLost: writer A's lock connection is terminated from another
// session (as idle_session_timeout or a cut connection would end it);
// writer B takes the lock and commits; A's commit is refused with
// state.ErrLockLost. Exactly one of the two commits lands. Before issue
// 20 both did.
func TestLockLost(t *testing.T) {
	a := openTest(t)
	ctx := context.Background()
	commit(t, a, &state.Changeset{Lineage: "l", Put: []*model.Object{team("base")}})
	lockA, err := a.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lockA.Unlock()
	snapA, err := a.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Another session ends A's lock connection.
	admin := pgtest.Connect(t)
	var pid int32
	if err := admin.QueryRow(ctx, `SELECT backend_pid FROM "`+a.Schema()+`".writer_lock WHERE id = 1`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	var ok bool
	if err := admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend: %v %v", ok, err)
	}

	b := openURL(t, pgtest.WithSchema(t, pgtest.Base(t), a.Schema()))
	lockB, err := b.Lock(ctx, "apply", 5*time.Second)
	if err != nil {
		t.Fatalf("B cannot lock after A's lock connection ended: %v", err)
	}
	snapB, err := b.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, errA := a.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: snapA.Serial, Put: []*model.Object{team("from-a")}})
	_, errB := b.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: snapB.Serial, Put: []*model.Object{team("from-b")}})
	lockB.Unlock()
	if !errors.Is(errA, state.ErrLockLost) || !strings.Contains(errA.Error(), "lost the state lock") {
		t.Errorf("A's commit after losing the lock: %v, want lost the state lock", errA)
	}
	if errB != nil {
		t.Errorf("B's commit: %v", errB)
	}
	snap, err := b.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range snap.Objects {
		names = append(names, o.Addr.Team)
	}
	if got := strings.Join(names, ","); got != "base,from-b" {
		t.Errorf("teams in the state: %s, want base,from-b", got)
	}
}

// TestLockKeptAlive: a lock held longer than the server's
// idle_session_timeout survives, because its connection is used.
func TestLockKeptAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for an idle timeout")
	}
	base := pgtest.Base(t)
	schema := pgtest.NewSchema()
	t.Cleanup(func() { pgtest.Drop(t, base, schema) })
	// The option reaches the server as a run-time parameter of the
	// lock's connection too.
	u := pgtest.WithSchema(t, base, schema)
	if strings.Contains(u, "?") {
		u += "&options=-cidle_session_timeout%3D2500"
	} else {
		u += "?options=-cidle_session_timeout%3D2500"
	}
	s := openURL(t, u)
	ctx := context.Background()
	commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("base")}})
	lock, err := s.Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	time.Sleep(6 * time.Second)
	if _, err := s.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{team("later")}}); err != nil {
		t.Fatalf("commit after 6 s with idle_session_timeout=2.5s: %v", err)
	}
}

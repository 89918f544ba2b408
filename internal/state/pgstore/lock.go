package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/state"
)

// lockRetry is how often Lock tries again while it waits.
const lockRetry = 75 * time.Millisecond

// Lock takes the writer's lock: a session-level PostgreSQL advisory lock on
// a key derived from the schema name, held on a connection of its own,
// which the server releases when that connection ends, so a killed process
// leaves no stale lock. The holder's details go into the writer_lock row
// for the message of whoever finds the state locked. Two Locks in one
// process exclude each other too: each has its own connection.
func (s *Store) Lock(ctx context.Context, operation string, timeout time.Duration) (state.Unlocker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.ensureTables(ctx); err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, s.connCfg.Copy())
	if err != nil {
		return nil, s.wrap("cannot connect to", err)
	}
	u, err := s.lockOn(ctx, conn, operation, timeout)
	if err != nil {
		closeQuietly(conn)
		return nil, err
	}
	s.locksMu.Lock()
	s.locks[u] = struct{}{}
	s.locksMu.Unlock()
	return u, nil
}

func (s *Store) lockOn(ctx context.Context, conn *pgx.Conn, operation string, timeout time.Duration) (*unlocker, error) {
	deadline := time.Now().Add(timeout)
	// The holder writes its details just after taking the lock: finding
	// none (or an older holder's) means the lock is being taken this very
	// moment, so try again shortly, for up to a second, rather than report
	// an unknown holder.
	unknownUntil := time.Now().Add(time.Second)
	for {
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, s.lockKey).Scan(&got); err != nil {
			return nil, s.wrap("cannot lock", err)
		}
		if got {
			break
		}
		holder, known, err := s.holder(ctx, conn)
		if err != nil {
			return nil, s.wrap("cannot read the lock holder of", err)
		}
		if !known && time.Now().Before(unknownUntil) {
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				return nil, err
			}
			continue
		}
		locked := &state.LockedError{Holder: holder}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, locked
		}
		if err := sleepCtx(ctx, min(lockRetry, left)); err != nil {
			return nil, fmt.Errorf("%w: %w", err, locked)
		}
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	since := time.Now().UTC().Truncate(time.Microsecond)
	_, err = conn.Exec(ctx, `INSERT INTO `+s.table(tableLock)+` (id, backend_pid, pid, host, operation, since)
		VALUES (1, pg_backend_pid(), $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, pid = EXCLUDED.pid,
			host = EXCLUDED.host, operation = EXCLUDED.operation, since = EXCLUDED.since`,
		os.Getpid(), host, operation, since)
	if err != nil {
		return nil, s.wrap("cannot record the lock holder of", err)
	}
	u := &unlocker{s: s, conn: conn, stop: make(chan struct{}), stopped: make(chan struct{})}
	// The lock's server session, to check before each commit that it is
	// still the one holding the lock (a pid alone could be reused).
	if err := conn.QueryRow(ctx, `SELECT pid, backend_start FROM pg_catalog.pg_stat_activity WHERE pid = pg_backend_pid()`).
		Scan(&u.backendPID, &u.backendStart); err != nil {
		return nil, s.wrap("cannot lock", err)
	}
	go u.keepAlive()
	return u, nil
}

// keepaliveEvery is how often the lock's idle connection is used, so that
// idle_session_timeout or a middlebox dropping idle connections does not
// end it (and with it the lock) during a long apply.
const keepaliveEvery = time.Second

// keepAlive queries on the lock's connection until Unlock.
func (u *unlocker) keepAlive() {
	defer close(u.stopped)
	t := time.NewTicker(keepaliveEvery)
	defer t.Stop()
	for {
		select {
		case <-u.stop:
			return
		case <-t.C:
		}
		u.mu.Lock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := u.conn.Exec(ctx, `SELECT 1`)
		cancel()
		u.mu.Unlock()
		if err != nil {
			u.lost.Store(true)
			return // the connection is gone; the check before a commit says so
		}
	}
}

// checkLocks refuses a write when a lock this store took has been lost:
// its connection ended (terminated, timed out, cut) and another writer may
// hold the lock now. It runs inside the write's transaction, which holds
// the meta row locked, so no other writer commits between the check and
// the commit.
func (s *Store) checkLocks(ctx context.Context, tx pgx.Tx) error {
	s.locksMu.Lock()
	held := make([]*unlocker, 0, len(s.locks))
	for u := range s.locks {
		held = append(held, u)
	}
	s.locksMu.Unlock()
	key := uint64(s.lockKey)
	for _, u := range held {
		var holds bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks k
				JOIN pg_catalog.pg_stat_activity a ON a.pid = k.pid
				WHERE k.locktype = 'advisory' AND k.granted AND k.pid = $1 AND a.backend_start = $2
				AND k.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
				AND k.classid::text::bigint = $3 AND k.objid::text::bigint = $4 AND k.objsubid = 1)`,
			u.backendPID, u.backendStart, int64(key>>32), int64(key&0xffffffff)).Scan(&holds)
		if err != nil {
			return err
		}
		if !holds || u.lost.Load() {
			return fmt.Errorf("%w of %s: the database connection holding it ended (terminated, timed out or cut), so another writer may hold it now; nothing was committed. Run roster plan to see what is left", state.ErrLockLost, s.Describe())
		}
	}
	return nil
}

// holder reads the details of the lock's holder. They are known when the
// row names the server session that holds the advisory lock now; a row
// left by a holder that is gone (killed before it could clear it) is not.
func (s *Store) holder(ctx context.Context, conn *pgx.Conn) (state.LockInfo, bool, error) {
	var (
		info   state.LockInfo
		pid    int32
		holds  bool
		exists bool
	)
	key := uint64(s.lockKey)
	err := conn.QueryRow(ctx, `
		SELECT l.pid, l.host, l.operation, l.since,
			EXISTS (SELECT 1 FROM pg_catalog.pg_locks k
				WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid
				AND k.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
				AND k.classid::text::bigint = $1 AND k.objid::text::bigint = $2 AND k.objsubid = 1)
		FROM `+s.table(tableLock)+` l WHERE l.id = 1`, int64(key>>32), int64(key&0xffffffff)).
		Scan(&pid, &info.Host, &info.Operation, &info.Since, &holds)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return info, false, err
	default:
		exists = true
	}
	if !exists || !holds {
		return state.LockInfo{Host: "unknown host", Operation: "unknown operation"}, false, nil
	}
	info.PID = int(pid)
	return info, true, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func closeQuietly(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// unlocker holds the lock and releases it once.
type unlocker struct {
	s    *Store
	mu   sync.Mutex // conn is used by keepAlive and Unlock
	conn *pgx.Conn
	once sync.Once
	err  error

	backendPID   int32
	backendStart time.Time
	lost         atomic.Bool
	stop         chan struct{}
	stopped      chan struct{}
}

// Unlock clears the holder's row, releases the advisory lock and closes
// the lock's connection (which alone would release it too).
func (u *unlocker) Unlock() error {
	u.once.Do(func() {
		close(u.stop)
		<-u.stopped
		u.mu.Lock()
		defer u.mu.Unlock()
		// Short: a frozen server must not hold an interrupted command;
		// closing the connection releases the lock anyway, and a holder
		// row left behind names a session that holds nothing (holder).
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, derr := u.conn.Exec(ctx, `DELETE FROM `+u.s.table(tableLock)+` WHERE id = 1 AND backend_pid = pg_backend_pid()`)
		_, lerr := u.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, u.s.lockKey)
		cerr := u.conn.Close(ctx)
		if err := errors.Join(derr, lerr, cerr); err != nil {
			u.err = u.s.wrap("cannot release the lock of", err)
		}
		u.s.locksMu.Lock()
		delete(u.s.locks, u)
		u.s.locksMu.Unlock()
	})
	return u.err
}

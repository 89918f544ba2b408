package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/termtext"
)

// SchemaVersion is the version of the state layout this roster writes. A
// store refuses state written by a newer version (ErrNewer) and reads older
// ones. Version 2 added the set of open follow-up tasks (OpenTasks); a
// version 1 state keeps none until a changeset gives its TaskBase, which
// makes it version 2 (so a roster that would not keep the set up to date
// refuses it).
const SchemaVersion = 2

// SchemaNoTasks is the last schema version without the set of open
// follow-up tasks.
const SchemaNoTasks = 1

// Snapshot is the whole state as of one read transaction.
type Snapshot struct {
	// Lineage is the random id made at the first apply; "" for an empty
	// state that was never applied to.
	Lineage string
	// Serial counts the writes that changed objects, and a connected
	// apply's failed attempts (Changeset.MoveSerial); 0 for an empty state.
	Serial uint64
	// Objects are every stored object, sorted by address.
	Objects []*model.Object
}

// Empty reports whether nothing was ever applied.
func (s *Snapshot) Empty() bool { return s.Lineage == "" }

// HistoryEntry is one applied changeset, as `roster history` lists it.
type HistoryEntry struct {
	Serial  uint64          `json:"serial"`
	Time    time.Time       `json:"time"`
	Actor   string          `json:"actor"`
	Add     int             `json:"add"`
	Change  int             `json:"change"`
	Remove  int             `json:"remove"`
	Changes []HistoryChange `json:"changes"`
	// PlanDigest, Commit and ChangeRequest say where the change came from.
	PlanDigest    string `json:"plan_digest,omitempty"`
	Commit        string `json:"commit,omitempty"`
	ChangeRequest string `json:"change_request,omitempty"`
	// Policy is the policy in force at this apply, as policy.JSON writes
	// it; the next plan compares its policy with it (policy_weakened).
	Policy jsontext.Value `json:"policy,omitempty"`
}

// HistoryChange is one change of a history entry.
type HistoryChange struct {
	Address string `json:"address"`
	Action  string `json:"action"`
}

// EvidenceRecord is one sealed evidence record as the store keeps it: its
// sequence number and hashes (also inside JSON) and the canonical JSON
// itself, hash included, stored verbatim. The store never interprets JSON.
type EvidenceRecord struct {
	Seq      uint64
	PrevHash string
	Hash     string
	JSON     []byte
}

// Task is a follow-up task on a site (schema/platforms.md): an apply that
// raises it records it in the evidence, and it stays open until a confirm
// record closes it or its site is forgotten (a move takes it along).
type Task struct {
	// Site is the address of the site the task is for.
	Site model.Address
	// Name is the task, e.g. rotate_api_key.
	Name string
	// Text says what to do, in one sentence.
	Text string
}

// Key names the task as `roster confirm` does: SITE#NAME. Code that
// tells tasks apart uses ID.
func (t *Task) Key() string { return t.Site.String() + "#" + t.Name }

// TaskID is what tells one task from another, its site and name, as a
// comparable value (a map key that costs no allocation).
type TaskID struct {
	Site model.Address
	Name string
}

// ID is the task's identity: two tasks with the same ID are one task.
func (t *Task) ID() TaskID { return TaskID{t.Site, t.Name} }

// Check reports a task no store can keep: an address that is not a
// valid site's, no name, or a NUL character (stores use it in keys).
func (t *Task) Check() error {
	site := t.Site.String()
	if a, err := model.ParseAddress(site); err != nil || a != t.Site || a.Kind != model.KindSite {
		return fmt.Errorf("the follow-up task %q is not on a site address", t.Key())
	}
	if t.Name == "" {
		return fmt.Errorf("the follow-up task on %s has no name", t.Site)
	}
	if strings.ContainsRune(site, 0) || strings.ContainsRune(t.Name, 0) || strings.ContainsRune(t.Text, 0) {
		return fmt.Errorf("the follow-up task %q holds a NUL character", t.Key())
	}
	return nil
}

// TaskChange opens or closes one follow-up task, or moves the open tasks
// of a moved site or team, or closes those of a forgotten one.
type TaskChange struct {
	Task Task // for a close, only Site and Name count
	// Close closes the task; else the change opens it (or, when it is
	// open, replaces its text).
	Close bool
	// Move, when not nil, is a move (Task and Close do not count): every
	// task open at that point of the changes whose site the move carries
	// goes to its new address, with its name and text. Only a writer that
	// holds the open set can apply one: ResolveTasks makes it the
	// closes and opens it stands for, and FoldTasks, so every store,
	// refuses one left unresolved.
	Move *TaskMove
	// Forget, when not nil, is a site, or a team with its sites, taken
	// out of the state (roster state rm; Task, Close and Move do not
	// count): every task open at that point of the changes on the site,
	// or on a site of the team, closes, since roster no longer manages
	// it. Like a move, only a writer that holds the open set can apply
	// one (ResolveTasks), and FoldTasks refuses one left unresolved.
	Forget *model.Address
}

// TaskMove is a rename of a site, or of a team with its sites (model.Rekey),
// as the open follow-up tasks on them follow it (schema/evidence.md "Move
// and forget records").
type TaskMove struct {
	From, To model.Address
	// Sites, when set, are the sites (old addresses) a team's move
	// carries: those its changeset writes anew (CarriedSites). A site
	// that moves on its own is not among them, and its tasks wait for
	// its own move. nil: every site of the team (a move read back from
	// the evidence chain).
	Sites map[model.Address]bool
}

// CarriedSites sets Sites on each move of a team in changes: the sites
// the changeset cs writes under the team's new name.
func CarriedSites(changes []TaskChange, put []*model.Object) {
	for _, c := range changes {
		mv := c.Move
		if mv == nil || mv.From.Kind != model.KindTeam {
			continue
		}
		mv.Sites = map[model.Address]bool{}
		for _, o := range put {
			if o.Addr.Kind == model.KindSite && o.Addr.Team == mv.To.Team {
				if old, ok := model.Rekey(o.Addr, mv.To, mv.From); ok {
					mv.Sites[old] = true
				}
			}
		}
	}
}

// Changeset is one atomic write: all of it is stored, or none.
type Changeset struct {
	// Lineage must equal the state's lineage; on an empty state it becomes
	// the lineage.
	Lineage string
	// BaseSerial is the serial the change was planned against. If the
	// state's serial differs, Commit fails with ErrStale and writes nothing.
	BaseSerial uint64
	// Put stores objects (replacing any at the same address); Delete
	// removes addresses. An object write moves the serial by one.
	Put    []*model.Object
	Delete []model.Address
	// MoveSerial moves the serial by one though no object changes: a
	// connected apply's failed attempt, whose evidence record moves the
	// serial like any other change's (schema/sync.md "apply on connected
	// teams").
	MoveSerial bool
	// History, when set, is stored under the new serial (its Serial field
	// is set by the store). A changeset with a history entry that does not
	// move the serial stores it under the current serial, which must have
	// none yet: connected applies commit each change on its own and write
	// the history entry last (schema/sync.md).
	History *HistoryEntry
	// Evidence is appended to the chain: the first record's PrevHash must
	// equal the current head hash and sequence numbers must follow the
	// head's without a gap, else ErrChain and nothing is written.
	Evidence []EvidenceRecord
	// Checkpoints are signed evidence checkpoints (schema/cli.md "Signed
	// evidence"), each stored verbatim after the existing ones. Writing
	// them does not move the serial.
	Checkpoints [][]byte
	// Tasks open and close follow-up tasks, in order, as this changeset's
	// evidence records raise and confirm them (evidence.NoteTasks), and
	// move them to a site's new address (resolved by the writer first,
	// evidence.PrepareTasks).
	// Closing a task that is not open changes nothing. Writing them does
	// not move the serial.
	Tasks []TaskChange
	// TaskBase, when not nil, is the whole set of open follow-up tasks
	// before Tasks, for a state that keeps none yet (OpenTasks said
	// kept=false: schema version 1): the writer derived it from the
	// evidence chain the changeset continues (evidence.OpenTasks). The
	// state then keeps the set from this commit on. Without it such a
	// state goes on keeping none and Tasks are not stored: the evidence
	// holds them. A state that keeps the set refuses a TaskBase.
	TaskBase []Task
}

// ChangesObjects reports whether the changeset writes objects, and so moves
// the serial.
func (c *Changeset) ChangesObjects() bool { return len(c.Put) > 0 || len(c.Delete) > 0 }

// MovesSerial reports whether committing the changeset moves the serial by
// one: it writes objects, or MoveSerial says so.
func (c *Changeset) MovesSerial() bool { return c.MoveSerial || c.ChangesObjects() }

// Store is a state store. Reads never wait for a writer longer than one
// short transaction; only one writer holds the lock at a time.
type Store interface {
	// Snapshot reads every object, the lineage and the serial in one read
	// transaction. A missing store is an empty snapshot, not an error.
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Lock takes the writer's lock for operation (e.g. "apply"), trying
	// until timeout has passed (0: once). When another process holds it,
	// the error is a *LockedError. The lock dies with the process.
	Lock(ctx context.Context, operation string, timeout time.Duration) (Unlocker, error)
	// Commit writes a changeset in one transaction. The caller holds the
	// lock. It returns the serial after the write.
	Commit(ctx context.Context, cs *Changeset) (serial uint64, err error)
	// History lists every history entry, oldest first.
	History(ctx context.Context) ([]HistoryEntry, error)
	// EvidenceHead is the last record's sequence number and hash (0 and ""
	// when there is none).
	EvidenceHead(ctx context.Context) (seq uint64, hash string, err error)
	// Evidence calls fn for every record with Seq >= from, in the order the
	// store keeps them (by sequence number), stopping at fn's first error.
	Evidence(ctx context.Context, from uint64, fn func(EvidenceRecord) error) error
	// Checkpoints calls fn for every stored checkpoint, oldest first, with
	// its position (1, 2, ...) and its JSON as stored.
	Checkpoints(ctx context.Context, fn func(n uint64, raw []byte) error) error
	// OpenTasks lists the open follow-up tasks, sorted by site address
	// then name, as the commits' Tasks left them. kept is false for a
	// state that keeps no such set (written by a roster of schema version
	// 1): the set is then the evidence's to tell (evidence.OpenTasks). A
	// missing state keeps an empty set.
	OpenTasks(ctx context.Context) (tasks []Task, kept bool, err error)
	// Describe names the store for messages ("state file .roster/state.db").
	Describe() string
	// Close releases what the store holds open.
	Close() error
}

// EvidenceJSONReader is a store whose evidence walk can leave out the
// hashes: a store that keeps them only inside each record's JSON
// (boltstore) reads them from it for Evidence, a scan of every record that
// a reader doing its own (evidence.Verify) would make twice.
type EvidenceJSONReader interface {
	// EvidenceJSON is Evidence with each record's PrevHash and Hash not
	// read from the JSON, stored verbatim, which holds them: they are ""
	// (boltstore), or the copies a store keeps beside the JSON (pgstore's
	// columns), which a reader doing its own hashing (evidence.Verify)
	// holds to the JSON's.
	EvidenceJSON(ctx context.Context, from uint64, fn func(EvidenceRecord) error) error
}

// EvidenceJSON walks st's evidence as Evidence does, for a reader that
// takes nothing but Seq and JSON: without the hashes when st is an
// EvidenceJSONReader, else with them.
func EvidenceJSON(ctx context.Context, st Store, from uint64, fn func(EvidenceRecord) error) error {
	if r, ok := st.(EvidenceJSONReader); ok {
		return r.EvidenceJSON(ctx, from, fn)
	}
	return st.Evidence(ctx, from, fn)
}

// Unlocker releases a held lock.
type Unlocker interface {
	Unlock() error
}

// ErrLockLost is a writer's lock that was lost before a commit (its
// database connection ended, and another writer may hold it now): the
// commit is refused.
var ErrLockLost = errors.New("lost the state lock")

// LockInfo names the holder of the writer's lock.
type LockInfo struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Operation string    `json:"operation"`
	Since     time.Time `json:"since"`
}

// LockedError is returned by Lock when another process holds the lock.
type LockedError struct {
	Holder LockInfo
}

// Error names the holder. Its host and operation are read from a lock
// file or row that anyone who can write there may have written: a control
// character, or a line or paragraph separator, in them is shown as its Go
// escape (\x1b), so that the message stays one line and nothing in it
// acts on the terminal that shows it.
func (e *LockedError) Error() string {
	return fmt.Sprintf("state is locked by pid %d on %s (%s since %s)",
		e.Holder.PID, termtext.Escape(e.Holder.Host), termtext.Escape(e.Holder.Operation), e.Holder.Since.UTC().Format(time.RFC3339))
}

// Errors every store reports, wrapped with detail; test with errors.Is.
var (
	// ErrStale: the changeset's BaseSerial is not the state's serial.
	ErrStale = errors.New("state changed since the plan was made")
	// ErrLineage: the changeset belongs to another state.
	ErrLineage = errors.New("lineage does not match the state")
	// ErrChain: the evidence does not continue the stored chain.
	ErrChain = errors.New("evidence does not continue the stored chain")
	// ErrDamaged: the store exists but cannot be read as a roster state.
	ErrDamaged = errors.New("state is damaged or not a roster state")
	// ErrNewer: the state was written by a newer roster.
	ErrNewer = errors.New("state was written by a newer roster")
)

// DamagedError says what is wrong with a store and what to do about it.
type DamagedError struct {
	Where  string // the store, as Describe says
	Reason string
	Err    error // ErrDamaged or ErrNewer
}

func (e *DamagedError) Error() string {
	if errors.Is(e.Err, ErrNewer) {
		return fmt.Sprintf("%s was written by a newer roster (%s); upgrade roster to read it", e.Where, e.Reason)
	}
	return fmt.Sprintf("%s is damaged or not a roster state: %s; restore it from a backup (or point --state at the right file)", e.Where, e.Reason)
}

func (e *DamagedError) Unwrap() error { return e.Err }

package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// Bucket and key names of the file layout (see the package comment).
var (
	bucketMeta     = []byte("meta")
	bucketObjects  = []byte("objects")
	bucketHistory  = []byte("history")
	bucketEvidence = []byte("evidence")
	// bucketCheckpoints holds signed checkpoints; it is made by the first
	// one, so states without any lack it.
	bucketCheckpoints = []byte("checkpoints")
	// bucketTasks holds the open follow-up tasks (schema version 2):
	// SITE ADDRESS, NUL, NAME → text.
	bucketTasks = []byte("tasks")

	keySchemaVersion = []byte("schema_version")
	keyLineage       = []byte("lineage")
	keySerial        = []byte("serial")
)

// Store is a state store in one bbolt file. It holds nothing open between
// calls; its methods may be called from several goroutines.
type Store struct {
	path  string
	wrote atomic.Bool // a Commit or Import wrote the file
}

var _ state.Store = (*Store)(nil)

// Open returns the store kept in the file at path. It creates nothing: a
// missing file is an empty state until the first Commit creates it.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("the state file path is empty")
	}
	return &Store{path: path}, nil
}

// Describe names the store for messages: "state file PATH".
func (s *Store) Describe() string { return "state file " + s.path }

// Close releases nothing: the file is only open during each operation.
func (s *Store) Close() error { return nil }

// seqKey is the key of a serial or sequence number: 8 bytes, big-endian,
// so keys sort by number.
func seqKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// metaValues is what the meta bucket holds.
type metaValues struct {
	version uint64
	lineage string
	serial  uint64
}

// keepsTasks reports whether the state keeps the open follow-up tasks.
func (m metaValues) keepsTasks() bool { return m.version > state.SchemaNoTasks }

// readMeta reads and checks the meta bucket and that every bucket exists.
func (s *Store) readMeta(tx *bolt.Tx) (metaValues, error) {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return metaValues{}, s.damaged("it is a bbolt database without a %q bucket, so not a roster state", bucketMeta)
	}
	v := b.Get(keySchemaVersion)
	if v == nil {
		return metaValues{}, s.damaged("it has no schema_version, so it is not a roster state")
	}
	version, err := strconv.ParseUint(string(v), 10, 32)
	if err != nil || version == 0 {
		return metaValues{}, s.damaged("its schema_version %q is not a version number", clip(v))
	}
	if version > state.SchemaVersion {
		return metaValues{}, &state.DamagedError{
			Where:  s.Describe(),
			Reason: fmt.Sprintf("schema version %d; this roster reads up to version %d", version, state.SchemaVersion),
			Err:    state.ErrNewer,
		}
	}
	m := metaValues{version: version}
	v = b.Get(keyLineage)
	if len(v) == 0 || len(v) > 256 || !utf8.Valid(v) {
		return metaValues{}, s.damaged("its lineage is missing or unreadable")
	}
	m.lineage = string(v)
	v = b.Get(keySerial)
	if m.serial, err = strconv.ParseUint(string(v), 10, 64); err != nil {
		return metaValues{}, s.damaged("its serial %q is not a number", clip(v))
	}
	for _, name := range [][]byte{bucketObjects, bucketHistory, bucketEvidence} {
		if tx.Bucket(name) == nil {
			return metaValues{}, s.damaged("its %q bucket is missing", name)
		}
	}
	if m.keepsTasks() && tx.Bucket(bucketTasks) == nil {
		return metaValues{}, s.damaged("its %q bucket is missing", bucketTasks)
	}
	return m, nil
}

// clip shortens a damaged value for a message.
func clip(v []byte) string {
	if len(v) > 40 {
		v = v[:40]
	}
	return string(v)
}

// Snapshot reads the lineage, the serial and every object in one read
// transaction. The objects are decoded inside it, on every core, straight
// from the mapped file: copying 100,000 values out first cost a buffer as
// large as the objects bucket (and twice that while it grew) for nothing,
// since decoding copies every string it keeps.
func (s *Store) Snapshot(ctx context.Context) (*state.Snapshot, error) {
	var (
		m    metaValues
		objs []*model.Object
	)
	err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
		var err error
		if m, err = s.readMeta(tx); err != nil {
			return err
		}
		pairs, err := s.collect(tx, tx.Bucket(bucketObjects))
		if err != nil {
			return err
		}
		objs, err = s.decodeObjects(pairs)
		return err
	})
	if errors.Is(err, errMissing) {
		return &state.Snapshot{Objects: []*model.Object{}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &state.Snapshot{Lineage: m.lineage, Serial: m.serial, Objects: objs}, nil
}

// collect lists every key and value of b, as slices of the transaction's
// pages (valid until it ends): pair i is pairs[2i] (key) and pairs[2i+1]
// (value). Lengths are checked against the size of the database, so
// garbage in a damaged page cannot make a reader go past the file.
func (s *Store) collect(tx *bolt.Tx, b *bolt.Bucket) ([][]byte, error) {
	limit := tx.Size()
	total := int64(0)
	var pairs [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			return nil, s.damaged("its %q bucket holds a nested bucket %q", bucketObjects, clip(k))
		}
		total += int64(len(k) + len(v))
		if total > limit {
			return nil, s.damaged("its %q bucket holds more data than the file", bucketObjects)
		}
		if n := len(pairs); n > 0 && bytes.Compare(pairs[n-2], k) >= 0 {
			return nil, s.damaged("its %q bucket is out of order at %q", bucketObjects, clip(k))
		}
		pairs = append(pairs, k, v)
	}
	return pairs, nil
}

// grow makes room for n more bytes, doubling the capacity: append alone
// grows large slices by a quarter, copying a big buffer many times over.
func grow(b []byte, n int) []byte {
	if len(b)+n <= cap(b) {
		return b
	}
	nb := make([]byte, len(b), max(2*cap(b), len(b)+n, 64<<10))
	copy(nb, b)
	return nb
}

// walk reads every page of the objects bucket before a commit changes it,
// so that a damaged page is reported (bbolt checks each page's header as
// it reads it; walk checks the sizes of keys and values) instead of being
// built upon. The append-only buckets are only ever changed at their end,
// which finding the head already read.
func (s *Store) walk(tx *bolt.Tx, b *bolt.Bucket) error {
	limit := tx.Size()
	total := int64(0)
	var prev []byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			return s.damaged("its %q bucket holds a nested bucket %q", bucketObjects, clip(k))
		}
		if total += int64(len(k) + len(v)); total > limit {
			return s.damaged("its %q bucket holds more data than the file", bucketObjects)
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return s.damaged("its %q bucket is out of order at %q", bucketObjects, clip(k))
		}
		prev = k
	}
	return nil
}

// walkTail reads the last entries of an append-only bucket, more than one
// page holds, so that a damaged last page is reported before a commit
// appends to it.
func (s *Store) walkTail(tx *bolt.Tx, name []byte) error {
	limit := tx.Size()
	var next []byte
	c := tx.Bucket(name).Cursor()
	n := 0
	for k, v := c.Last(); k != nil && n < 4096; k, v = c.Prev() {
		if len(k) != 8 || v == nil || int64(len(v)) > limit {
			return s.damaged("its %q bucket holds a damaged entry", name)
		}
		if next != nil && bytes.Compare(k, next) >= 0 {
			return s.damaged("its %q bucket is out of order", name)
		}
		next = k
		n++
	}
	return nil
}

// decodeObjects decodes the collected objects in parallel chunks
// (state.InChunks). They are read from the mapped file, so each worker
// turns a fault on a damaged or truncated file into an error, as withDB
// does on its own goroutine (debug.SetPanicOnFault is per goroutine).
func (s *Store) decodeObjects(pairs [][]byte) ([]*model.Object, error) {
	n := len(pairs) / 2
	objs := make([]*model.Object, n)
	vals := make([]model.Object, n)
	err := state.InChunks(n, func(lo, hi int) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = s.damaged("its pages are damaged (%v)", r)
			}
		}()
		for i := lo; i < hi; i++ {
			k, v := pairs[2*i], pairs[2*i+1]
			o := &vals[i]
			if err := o.UnmarshalJSON(v); err != nil {
				return s.damaged("the object stored under %q cannot be read (%v)", clip(k), err)
			}
			if o.Addr.String() != string(k) {
				return s.damaged("the object stored under %q says it is %q", clip(k), o.Addr.String())
			}
			objs[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// History lists every history entry, oldest first.
func (s *Store) History(ctx context.Context) ([]state.HistoryEntry, error) {
	var entries []state.HistoryEntry
	err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
		if _, err := s.readMeta(tx); err != nil {
			return err
		}
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 || v == nil {
				return s.damaged("its %q bucket holds a key that is not a serial", bucketHistory)
			}
			if int64(len(v)) > tx.Size() {
				return s.damaged("its %q bucket holds more data than the file", bucketHistory)
			}
			serial := binary.BigEndian.Uint64(k)
			var e state.HistoryEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return s.damaged("the history entry of serial %d cannot be read (%v)", serial, err)
			}
			if e.Serial != serial {
				return s.damaged("the history entry stored under serial %d says it is serial %d", serial, e.Serial)
			}
			entries = append(entries, e)
		}
		return nil
	})
	if errors.Is(err, errMissing) {
		return []state.HistoryEntry{}, nil
	}
	if err != nil {
		return nil, err
	}
	if entries == nil {
		entries = []state.HistoryEntry{}
	}
	return entries, nil
}

// EvidenceHead is the last record's sequence number and hash.
func (s *Store) EvidenceHead(ctx context.Context) (uint64, string, error) {
	var (
		seq  uint64
		hash string
	)
	err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
		if _, err := s.readMeta(tx); err != nil {
			return err
		}
		var err error
		seq, hash, err = s.head(tx)
		return err
	})
	if errors.Is(err, errMissing) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return seq, hash, nil
}

// head reads the last evidence record's sequence number and hash.
func (s *Store) head(tx *bolt.Tx) (uint64, string, error) {
	k, v := tx.Bucket(bucketEvidence).Cursor().Last()
	if k == nil {
		return 0, "", nil
	}
	if len(k) != 8 || v == nil {
		return 0, "", s.damaged("its %q bucket holds a key that is not a sequence number", bucketEvidence)
	}
	if int64(len(v)) > tx.Size() {
		return 0, "", s.damaged("its %q bucket holds more data than the file", bucketEvidence)
	}
	_, hash := evidence.Hashes(v)
	return binary.BigEndian.Uint64(k), hash, nil
}

// Evidence batches: each read transaction copies at most this many records
// or bytes, then fn runs outside it, so a long walk (evidence verify over a
// million records) never holds the file for long. Records are appended,
// never rewritten, so the batches make one consistent walk.
const (
	evidenceBatchRecords = 4096
	evidenceBatchBytes   = 4 << 20
)

// Evidence calls fn for every record with Seq >= from, in sequence order,
// stopping at fn's first error, which it returns. The JSON handed to fn is
// a copy fn may keep; the hashes are read from it (evidence.Hashes).
func (s *Store) Evidence(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	return s.evidence(ctx, from, true, fn)
}

// EvidenceJSON is Evidence without reading the hashes from each record's
// JSON (state.EvidenceJSONReader): PrevHash and Hash are "".
func (s *Store) EvidenceJSON(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	return s.evidence(ctx, from, false, fn)
}

// evidence is Evidence, the hashes read only when hashes is set.
func (s *Store) evidence(ctx context.Context, from uint64, hashes bool, fn func(state.EvidenceRecord) error) error {
	next, last := from, uint64(0)
	hint := 0
	for {
		var (
			batch []state.EvidenceRecord
			more  bool
		)
		err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
			if _, err := s.readMeta(tx); err != nil {
				return err
			}
			var err error
			batch, more, err = s.evidenceBatch(tx, next, hint)
			if err == nil && len(batch) > 0 && last > 0 && batch[0].Seq <= last {
				// Only a damaged tree repeats itself; without this a walk
				// over it might never end.
				return s.damaged("its %q bucket is out of order at sequence number %d", bucketEvidence, batch[0].Seq)
			}
			return err
		})
		if errors.Is(err, errMissing) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, r := range batch {
			if hashes {
				r.PrevHash, r.Hash = evidence.Hashes(r.JSON)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if !more || len(batch) == 0 {
			return nil
		}
		last = batch[len(batch)-1].Seq
		next = last + 1
		// The next batch is likely as large: start its buffer so.
		hint = batchBytes(batch)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// evidenceBatch copies the records from seq from on, up to a batch's size;
// more says whether records may follow.
func (s *Store) evidenceBatch(tx *bolt.Tx, from uint64, hint int) (batch []state.EvidenceRecord, more bool, err error) {
	limit := tx.Size()
	buf := make([]byte, 0, min(hint, evidenceBatchBytes)+64<<10)
	var ends []int
	c := tx.Bucket(bucketEvidence).Cursor()
	for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Next() {
		if len(batch) == evidenceBatchRecords || len(buf) >= evidenceBatchBytes {
			more = true
			break
		}
		if len(k) != 8 || v == nil {
			return nil, false, s.damaged("its %q bucket holds a key that is not a sequence number", bucketEvidence)
		}
		if int64(len(buf)+len(v)) > limit {
			return nil, false, s.damaged("its %q bucket holds more data than the file", bucketEvidence)
		}
		seq := binary.BigEndian.Uint64(k)
		if n := len(batch); n > 0 && batch[n-1].Seq >= seq {
			return nil, false, s.damaged("its %q bucket is out of order at sequence number %d", bucketEvidence, seq)
		}
		buf = grow(buf, len(v))
		buf = append(buf, v...)
		ends = append(ends, len(buf))
		batch = append(batch, state.EvidenceRecord{Seq: seq})
	}
	start := 0
	for i := range batch {
		batch[i].JSON = buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return batch, more, nil
}

func batchBytes(batch []state.EvidenceRecord) int {
	n := 0
	for _, r := range batch {
		n += len(r.JSON)
	}
	return n
}

// prepared is a changeset checked and encoded outside the transaction.
type prepared struct {
	cs   *state.Changeset
	puts []putPair // sorted by key, one per key
	dels [][]byte
	size int64 // about how many bytes of pages the write adds
	// taskPuts and taskDels are the follow-up tasks open and closed after
	// cs.Tasks (over cs.TaskBase), keyed as the tasks bucket keys them.
	taskPuts []putPair
	taskDels [][]byte
}

type putPair struct {
	key, val []byte
}

// prepare checks what can be checked without the state and encodes the
// objects, so the write transaction only writes.
func (s *Store) prepare(cs *state.Changeset) (*prepared, error) {
	if cs == nil {
		return nil, errors.New("nothing to commit: the changeset is nil")
	}
	p := &prepared{cs: cs, puts: make([]putPair, len(cs.Put))}
	for i, o := range cs.Put {
		if o == nil {
			return nil, fmt.Errorf("the changeset puts a nil object (entry %d)", i)
		}
		key := o.Addr.String()
		if a, err := model.ParseAddress(key); err != nil || a != o.Addr {
			return nil, fmt.Errorf("the changeset puts an object with an invalid address %q", key)
		}
		p.puts[i].key = []byte(key)
	}
	if err := encodeObjects(cs.Put, p.puts); err != nil {
		return nil, err
	}
	// Sorted keys make bbolt append instead of insert; of two puts of one
	// address the last wins.
	slices.SortStableFunc(p.puts, func(a, b putPair) int { return bytes.Compare(a.key, b.key) })
	uniq := p.puts[:0]
	for i, kv := range p.puts {
		if i+1 < len(p.puts) && bytes.Equal(kv.key, p.puts[i+1].key) {
			continue
		}
		uniq = append(uniq, kv)
	}
	p.puts = uniq
	for _, a := range cs.Delete {
		if a.IsZero() {
			return nil, errors.New("the changeset deletes the empty address")
		}
		p.dels = append(p.dels, []byte(a.String()))
	}
	// Objects fill pages by half (bbolt's default, room to change), the
	// append-only buckets fill them up.
	for _, kv := range p.puts {
		p.size += 2 * int64(len(kv.key)+len(kv.val)+16)
	}
	for i, r := range cs.Evidence {
		if len(r.JSON) == 0 {
			return nil, fmt.Errorf("evidence record %d (seq %d) has no JSON", i, r.Seq)
		}
		p.size += int64(len(r.JSON)) + 24
	}
	put, del, err := state.FoldTasks(cs.TaskBase, cs.Tasks)
	if err != nil {
		return nil, err
	}
	for _, t := range put {
		p.taskPuts = append(p.taskPuts, putPair{taskKey(t), []byte(t.Text)})
		p.size += 2 * int64(len(t.Text)+len(t.Site.String())+len(t.Name)+16)
	}
	for _, t := range del {
		p.taskDels = append(p.taskDels, taskKey(t))
	}
	return p, nil
}

// taskKey is the key of a task in the tasks bucket.
func taskKey(t state.Task) []byte {
	return []byte(t.Site.String() + "\x00" + t.Name)
}

// encodeObjects marshals the objects, in parallel for large changesets.
func encodeObjects(objs []*model.Object, out []putPair) error {
	return state.InChunks(len(objs), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			v, err := objs[i].MarshalJSON()
			if err != nil {
				return fmt.Errorf("encoding %s: %w", objs[i].Addr, err)
			}
			out[i].val = v
		}
		return nil
	})
}

// Commit writes the changeset in one write transaction: all of it, or
// nothing. The first commit creates the file.
func (s *Store) Commit(ctx context.Context, cs *state.Changeset) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p, err := s.prepare(cs)
	if err != nil {
		return 0, fmt.Errorf("cannot commit to %s: %w", s.Describe(), err)
	}
	serial, err := s.commitExisting(ctx, p)
	if errors.Is(err, errMissing) {
		serial, err = s.create(ctx, p)
	}
	if err == nil {
		s.wrote.Store(true)
	}
	return serial, err
}

func (s *Store) commitExisting(ctx context.Context, p *prepared) (serial uint64, err error) {
	err = s.withDB(ctx, s.path, modeWrite, p.size, func(tx *bolt.Tx) error {
		m, err := s.readMeta(tx)
		if err != nil {
			return err
		}
		serial, err = s.write(tx, p, m)
		return err
	})
	return serial, err
}

// create builds the first state beside the state file and links it into
// place, so that no reader ever sees a half-made file and the file's mode
// is 0600 whatever the umask.
func (s *Store) create(ctx context.Context, p *prepared) (serial uint64, err error) {
	dir := filepath.Dir(s.path)
	if err := mkdirPrivate(dir); err != nil {
		return 0, fmt.Errorf("cannot create the directory of %s: %w", s.Describe(), err)
	}
	// A process killed while creating the state leaves its temporary
	// file behind; the caller holds the writer's lock, so none is in use.
	if stale, _ := filepath.Glob(filepath.Join(dir, "."+filepath.Base(s.path)+".new-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".new-*")
	if err != nil {
		return 0, fmt.Errorf("cannot create %s: %w", s.Describe(), err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("cannot create %s: %w", s.Describe(), err)
	}
	err = s.withDB(ctx, tmp, modeCreate, p.size, func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketObjects, bucketHistory, bucketEvidence, bucketTasks} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).Put(keySchemaVersion, strconv.AppendUint(nil, state.SchemaVersion, 10)); err != nil {
			return err
		}
		var err error
		serial, err = s.write(tx, p, metaValues{version: state.SchemaVersion})
		return err
	})
	if err != nil {
		var d *state.DamagedError
		if errors.As(err, &d) {
			return 0, fmt.Errorf("cannot create %s: %s", s.Describe(), d.Reason)
		}
		return 0, err
	}
	if err := os.Link(tmp, s.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process made the state meanwhile (without the
			// lock): commit against it, which checks lineage and serial.
			return s.commitExisting(ctx, p)
		}
		if _, serr := os.Lstat(s.path); !errors.Is(serr, fs.ErrNotExist) {
			return 0, fmt.Errorf("cannot create %s: %w", s.Describe(), err)
		}
		// A file system without hard links.
		if err := os.Rename(tmp, s.path); err != nil {
			return 0, fmt.Errorf("cannot create %s: %w", s.Describe(), err)
		}
	}
	syncDir(dir)
	return serial, nil
}

// write checks the changeset against the state m and writes it; any error
// rolls the whole transaction back.
func (s *Store) write(tx *bolt.Tx, p *prepared, m metaValues) (uint64, error) {
	cs := p.cs
	switch {
	case m.lineage == "" && cs.Lineage == "":
		return 0, errors.New("cannot commit to an empty state without a lineage")
	case cs.BaseSerial != m.serial:
		// Stale first: a plan made against an empty state is given a
		// new lineage when applied, so once that state exists its
		// lineage differs too, and "plan again" is what to say.
		return 0, fmt.Errorf("%w: the plan was made at serial %d, %s is at serial %d; plan again", state.ErrStale, cs.BaseSerial, s.Describe(), m.serial)
	case m.lineage != "" && cs.Lineage != m.lineage:
		return 0, fmt.Errorf("%w: the changeset is for lineage %q, %s has lineage %q; it belongs to another state", state.ErrLineage, cs.Lineage, s.Describe(), m.lineage)
	}
	if cs.TaskBase != nil && m.keepsTasks() {
		return 0, fmt.Errorf("%w: the changeset gives the open follow-up tasks derived from the evidence, but %s keeps them already", state.ErrStale, s.Describe())
	}
	evb := tx.Bucket(bucketEvidence)
	seq, hash, err := s.head(tx)
	if err != nil {
		return 0, err
	}
	for i, r := range cs.Evidence {
		if r.Seq != seq+1 {
			return 0, fmt.Errorf("%w: evidence record %d has sequence number %d, but the next one is %d", state.ErrChain, i, r.Seq, seq+1)
		}
		if r.PrevHash != hash {
			return 0, fmt.Errorf("%w: evidence record %d has prev_hash %q, but the head of the chain is %q", state.ErrChain, r.Seq, r.PrevHash, hash)
		}
		seq, hash = r.Seq, r.Hash
	}

	ob := tx.Bucket(bucketObjects)
	if err := s.walk(tx, ob); err != nil {
		return 0, err
	}
	for _, name := range [][]byte{bucketHistory, bucketEvidence} {
		if err := s.walkTail(tx, name); err != nil {
			return 0, err
		}
	}
	if k, _ := ob.Cursor().First(); k == nil {
		// An empty bucket (a first apply) is loaded in key order: its
		// pages are filled up rather than by half, bbolt's default for
		// room to change, which any later commit that grows a page makes
		// by splitting it.
		ob.FillPercent = 1
	}
	for _, kv := range p.puts {
		if err := ob.Put(kv.key, kv.val); err != nil {
			return 0, fmt.Errorf("writing %s: %w", kv.key, err)
		}
	}
	for _, k := range p.dels {
		if err := ob.Delete(k); err != nil {
			return 0, fmt.Errorf("deleting %s: %w", k, err)
		}
	}
	serial := m.serial
	if cs.MovesSerial() {
		serial++
	}
	mb := tx.Bucket(bucketMeta)
	if m.lineage == "" {
		if err := mb.Put(keyLineage, []byte(cs.Lineage)); err != nil {
			return 0, err
		}
	}
	if serial != m.serial || m.lineage == "" {
		if err := mb.Put(keySerial, strconv.AppendUint(nil, serial, 10)); err != nil {
			return 0, err
		}
	}
	if cs.History != nil {
		h := *cs.History
		h.Serial = serial
		v, err := json.Marshal(&h)
		if err != nil {
			return 0, fmt.Errorf("encoding the history entry: %w", err)
		}
		hb := tx.Bucket(bucketHistory)
		if !cs.MovesSerial() && hb.Get(seqKey(serial)) != nil {
			// A history-only changeset closes a series of per-change
			// commits; it never replaces an entry.
			return 0, fmt.Errorf("%w: a history entry for serial %d exists already", state.ErrStale, serial)
		}
		hb.FillPercent = 1 // appended in serial order
		if err := hb.Put(seqKey(serial), v); err != nil {
			return 0, err
		}
	}
	evb.FillPercent = 1 // appended in sequence order
	for _, r := range cs.Evidence {
		if err := evb.Put(seqKey(r.Seq), r.JSON); err != nil {
			return 0, fmt.Errorf("writing evidence record %d: %w", r.Seq, err)
		}
	}
	if err := s.writeTasks(tx, p, m); err != nil {
		return 0, err
	}
	if len(cs.Checkpoints) > 0 {
		cb, err := tx.CreateBucketIfNotExists(bucketCheckpoints)
		if err != nil {
			return 0, err
		}
		cb.FillPercent = 1
		n := uint64(0)
		if k, _ := cb.Cursor().Last(); len(k) == 8 {
			n = binary.BigEndian.Uint64(k)
		}
		for _, c := range cs.Checkpoints {
			n++
			if err := cb.Put(seqKey(n), c); err != nil {
				return 0, fmt.Errorf("writing checkpoint %d: %w", n, err)
			}
		}
	}
	return serial, nil
}

// writeTasks writes the changeset's follow-up tasks: into the tasks bucket
// of a state that keeps them; for one that does not, nothing unless the
// changeset gives the TaskBase, which starts the bucket and makes the
// state schema version 2.
func (s *Store) writeTasks(tx *bolt.Tx, p *prepared, m metaValues) error {
	if !m.keepsTasks() {
		if p.cs.TaskBase == nil {
			return nil // the evidence holds them
		}
		if _, err := tx.CreateBucket(bucketTasks); err != nil {
			return fmt.Errorf("creating the %q bucket: %w", bucketTasks, err)
		}
		if err := tx.Bucket(bucketMeta).Put(keySchemaVersion, strconv.AppendUint(nil, state.SchemaVersion, 10)); err != nil {
			return err
		}
	}
	tb := tx.Bucket(bucketTasks)
	for _, kv := range p.taskPuts {
		if err := tb.Put(kv.key, kv.val); err != nil {
			return fmt.Errorf("writing the follow-up task %q: %w", kv.key, err)
		}
	}
	for _, k := range p.taskDels {
		if err := tb.Delete(k); err != nil {
			return fmt.Errorf("deleting the follow-up task %q: %w", k, err)
		}
	}
	return nil
}

// OpenTasks lists the open follow-up tasks, sorted by site then name (the
// bucket's key order); kept is false for a schema version 1 state.
func (s *Store) OpenTasks(ctx context.Context) ([]state.Task, bool, error) {
	tasks := []state.Task{}
	kept := true
	err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
		m, err := s.readMeta(tx)
		if err != nil {
			return err
		}
		if kept = m.keepsTasks(); !kept {
			return nil
		}
		limit := tx.Size()
		total := int64(0)
		return tx.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
			if total += int64(len(k) + len(v)); v == nil || total > limit {
				return s.damaged("its %q bucket holds a damaged entry", bucketTasks)
			}
			site, name, ok := bytes.Cut(k, []byte{0})
			addr, err := model.ParseAddress(string(site))
			t := state.Task{Site: addr, Name: string(name), Text: string(v)}
			if !ok || err != nil || t.Check() != nil {
				return s.damaged("its %q bucket holds the key %q, which is not a follow-up task", bucketTasks, clip(k))
			}
			tasks = append(tasks, t)
			return nil
		})
	})
	if errors.Is(err, errMissing) {
		return tasks, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !kept {
		return nil, false, nil
	}
	return tasks, true, nil
}

// Checkpoints calls fn for every stored checkpoint, oldest first.
func (s *Store) Checkpoints(ctx context.Context, fn func(n uint64, raw []byte) error) error {
	type cp struct {
		n   uint64
		raw []byte
	}
	var all []cp
	err := s.withDB(ctx, s.path, modeRead, 0, func(tx *bolt.Tx) error {
		if _, err := s.readMeta(tx); err != nil {
			return err
		}
		b := tx.Bucket(bucketCheckpoints)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return s.damaged("its %q bucket holds a key that is not a number", bucketCheckpoints)
			}
			all = append(all, cp{binary.BigEndian.Uint64(k), append([]byte(nil), v...)})
			return nil
		})
	})
	if errors.Is(err, errMissing) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range all {
		if err := fn(c.n, c.raw); err != nil {
			return err
		}
	}
	return nil
}

// mkdirPrivate makes dir and any missing parents with mode 0700 whatever
// the umask; directories that exist are left as they are.
func mkdirPrivate(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirPrivate(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return os.Chmod(dir, 0o700)
}

// syncDir makes a new directory entry durable, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

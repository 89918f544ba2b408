package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/state"
)

// An import changes two things, the declarations file and the state, and
// a kill between the two must not leave them disagreeing (issue 20). So
// the file is first written whole as a pending file beside its target
// (".NAME.pending", which roster never loads), the state is recorded, and
// only then is the file put into place. The pending file's first line
// says which commit would record it; a rerun of import finishes or
// forgets a pending file it finds, by the state's history.

// pendingHeader starts a pending file.
const pendingHeader = "# roster import pending: "

// PendingPath is the pending file of an import's target.
func PendingPath(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".pending")
}

// PendingImport is what a pending file says of its commit.
type PendingImport struct {
	Serial  uint64 // the serial the import's commit makes
	Time    time.Time
	Actor   string
	Changes int
	Src     []byte
}

// WritePending writes the pending file of out, synced, through a
// temporary file so that it is whole or absent.
func WritePending(out string, p *PendingImport) error {
	if err := fsx.WriteFile(PendingPath(out), p.encode(), fsx.Options{Mode: 0o600}); err != nil {
		return &Error{Msg: err.Error()}
	}
	return nil
}

// readPending reads the pending file of out; nil when there is none.
func readPending(out string) (*PendingImport, error) {
	data, err := os.ReadFile(PendingPath(out))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, ok := decodePending(data)
	if !ok {
		return nil, fmt.Errorf("%s is not a pending import file roster wrote", PendingPath(out))
	}
	return p, nil
}

// encode is the pending file's text: its header line, then the file.
func (p *PendingImport) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%sserial=%d time=%s changes=%d actor=%s\n", pendingHeader, p.Serial, p.Time.UTC().Format(time.RFC3339Nano), p.Changes, strconv.Quote(p.Actor))
	b.Write(p.Src)
	return b.Bytes()
}

// decodePending reads a pending file's text; false when roster did not
// write it.
func decodePending(data []byte) (*PendingImport, bool) {
	line, src, ok := bytes.Cut(data, []byte("\n"))
	rest, ok2 := strings.CutPrefix(string(line), pendingHeader)
	if !ok || !ok2 {
		return nil, false
	}
	var err error
	p := &PendingImport{Src: src}
	// The actor, quoted, is last and may be of any length: the words
	// before it are read on their own.
	words, actor, hasActor := strings.Cut(rest, "actor=")
	for _, w := range strings.Fields(words) {
		k, v, _ := strings.Cut(w, "=")
		switch k {
		case "serial":
			p.Serial, err = strconv.ParseUint(v, 10, 64)
		case "time":
			p.Time, err = time.Parse(time.RFC3339Nano, v)
		case "changes":
			p.Changes, err = strconv.Atoi(v)
		}
		if err != nil {
			break
		}
	}
	if err == nil && hasActor {
		p.Actor, err = strconv.Unquote(actor)
	}
	if err != nil || p.Serial == 0 || p.Time.IsZero() {
		return nil, false
	}
	return p, true
}

// recorded reports whether the state's history holds the pending
// import's commit.
func (p *PendingImport) recorded(hist []state.HistoryEntry) bool {
	for _, h := range hist {
		if h.Serial != p.Serial {
			continue
		}
		d := h.Time.Sub(p.Time)
		return d > -time.Millisecond && d < time.Millisecond && h.Actor == p.Actor && h.Add+h.Change+h.Remove+len(h.Changes) > 0
	}
	return false
}

// finishPending settles a pending import of out left by a killed run:
// recorded in the state, its file is put into place (the serial of its
// commit says so); not recorded, it is forgotten (0). The caller holds
// the writer's lock.
func finishPending(ctx context.Context, st state.Store, out string) (serial uint64, err error) {
	p, err := readPending(out)
	if err != nil {
		return 0, &Error{Msg: err.Error() + "; move it aside and run roster import again"}
	}
	if p == nil {
		return 0, nil
	}
	hist, err := st.History(ctx)
	if err != nil {
		return 0, StoreError(err)
	}
	if !p.recorded(hist) {
		os.Remove(PendingPath(out))
		return 0, nil
	}
	if _, err := os.Lstat(out); err != nil {
		if err := writeNewFile(out, p.Src); err != nil {
			return 0, err
		}
	}
	os.Remove(PendingPath(out))
	return p.Serial, nil
}

package cli

import (
	"bufio"
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

// pendingPath is the pending file of an import's target.
func pendingPath(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".pending")
}

// pendingImport is what a pending file says of its commit.
type pendingImport struct {
	serial  uint64 // the serial the import's commit makes
	time    time.Time
	actor   string
	changes int
	src     []byte
}

// writePending writes the pending file of out, synced, through a
// temporary file so that it is whole or absent.
func writePending(out string, p *pendingImport) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%sserial=%d time=%s changes=%d actor=%s\n", pendingHeader, p.serial, p.time.UTC().Format(time.RFC3339Nano), p.changes, strconv.Quote(p.actor))
	b.Write(p.src)
	if err := fsx.WriteFile(pendingPath(out), b.Bytes(), fsx.Options{Mode: 0o600}); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}

// readPending reads the pending file of out; nil when there is none.
func readPending(out string) (*pendingImport, error) {
	data, err := os.ReadFile(pendingPath(out))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	line, src, ok := bytes.Cut(data, []byte("\n"))
	rest, ok2 := strings.CutPrefix(string(line), pendingHeader)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%s is not a pending import file roster wrote", pendingPath(out))
	}
	p := &pendingImport{src: src}
	sc := bufio.NewScanner(strings.NewReader(rest))
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "serial":
			p.serial, err = strconv.ParseUint(v, 10, 64)
		case "time":
			p.time, err = time.Parse(time.RFC3339Nano, v)
		case "changes":
			p.changes, err = strconv.Atoi(v)
		case "actor":
			_, a, _ := strings.Cut(rest, "actor=")
			p.actor, err = strconv.Unquote(a)
		}
		if err != nil || k == "actor" {
			break
		}
	}
	if err != nil || p.serial == 0 || p.time.IsZero() {
		return nil, fmt.Errorf("%s is not a pending import file roster wrote", pendingPath(out))
	}
	return p, nil
}

// recorded reports whether the state's history holds the pending
// import's commit.
func (p *pendingImport) recorded(hist []state.HistoryEntry) bool {
	for _, h := range hist {
		if h.Serial != p.serial {
			continue
		}
		d := h.Time.Sub(p.time)
		return d > -time.Millisecond && d < time.Millisecond && h.Actor == p.actor && h.Add+h.Change+h.Remove+len(h.Changes) > 0
	}
	return false
}

// finishPending settles a pending import of out left by a killed run:
// recorded in the state, its file is put into place (done reports it);
// not recorded, it is forgotten. The caller holds the writer's lock.
func (a *app) finishPending(ctx context.Context, st state.Store, out string) (done bool, err error) {
	p, err := readPending(out)
	if err != nil {
		return false, &exitCode{code: ExitError, msg: err.Error() + "; move it aside and run roster import again"}
	}
	if p == nil {
		return false, nil
	}
	hist, err := st.History(ctx)
	if err != nil {
		return false, storeError(err)
	}
	if !p.recorded(hist) {
		os.Remove(pendingPath(out))
		return false, nil
	}
	if _, err := os.Lstat(out); err != nil {
		if err := writeNewFile(out, p.src); err != nil {
			return false, err
		}
	}
	os.Remove(pendingPath(out))
	fmt.Fprintf(a.stdout, "Finished an import that was interrupted after it was recorded in the state (serial %d): wrote %s.\n", p.serial, out)
	return true, nil
}

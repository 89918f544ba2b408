package ops

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzPendingImport: whatever a pending import file holds (roster reads
// it back on the next import, after a kill), reading it gives what it
// says or refuses it, never a panic; a file it reads is written back to
// the same text. And what roster writes, whatever the actor, the counts
// and the file, reads back as written.
func FuzzPendingImport(f *testing.F) {
	at := time.Date(2026, 12, 7, 21, 40, 0, 123456789, time.UTC)
	for _, p := range []*PendingImport{
		{Serial: 1, Time: at, Actor: "ci", Changes: 3, Src: []byte("member \"a@x.io\" {\n}\n")},
		{Serial: 1 << 63, Time: at.Add(-time.Hour), Actor: "jane \"j\" doe actor=x\n\u2028\xff", Changes: -1},
		{Serial: 2, Time: at, Actor: strings.Repeat("a", 70000), Changes: 1, Src: []byte("\n")},
	} {
		f.Add(p.encode(), p.Serial, p.Time.UnixNano(), p.Actor, p.Changes, p.Src)
	}
	f.Add([]byte(pendingHeader+"serial=1 time=2026-01-01T00:00:00Z changes=x actor=\"a\"\n"), uint64(0), int64(0), "", 0, []byte(nil))
	f.Add([]byte(pendingHeader+"actor=\"a\" serial=1 time=2026-01-01T00:00:00Z\nx"), uint64(0), int64(0), "", 0, []byte(nil))
	f.Fuzz(func(t *testing.T, data []byte, serial uint64, nanos int64, actor string, changes int, src []byte) {
		if p, ok := decodePending(data); ok {
			if p.Serial == 0 || p.Time.IsZero() {
				t.Fatalf("%q read as %+v", data, p)
			}
			q, ok := decodePending(p.encode())
			if !ok || !samePending(p, q) {
				t.Fatalf("%q read as %+v, written as %q, read back as %+v", data, p, p.encode(), q)
			}
		}
		if serial == 0 {
			return
		}
		p := &PendingImport{Serial: serial, Time: time.Unix(0, nanos).UTC(), Actor: actor, Changes: changes, Src: src}
		q, ok := decodePending(p.encode())
		if !ok || !samePending(p, q) {
			t.Fatalf("%+v written as %.300q, read back as %+v", p, p.encode(), q)
		}
	})
}

func samePending(p, q *PendingImport) bool {
	return p.Serial == q.Serial && p.Time.Equal(q.Time) && p.Actor == q.Actor && p.Changes == q.Changes && bytes.Equal(p.Src, q.Src)
}

package boltstore

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The parts of bbolt's file format that precheck reads (bbolt's
// internal/common: page header, meta page, freelist page). bbolt trusts
// these numbers; a damaged file can make it allocate absurd amounts of
// memory or write far beyond the file, so they are checked here first.
const (
	pageHeaderSize   = 16
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	noFreelist       = ^uint64(0)
	metaChecksumAt   = 56 // offset of the checksum inside the meta
	metaSize         = 64
)

type boltMeta struct {
	pageSize uint64
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

type metaProblem int

const (
	metaOK metaProblem = iota
	metaShort
	metaMagic
	metaVersion
	metaChecksum
)

// parseMeta reads the meta page at the start of buf.
func parseMeta(buf []byte) (boltMeta, metaProblem) {
	if len(buf) < pageHeaderSize+metaSize {
		return boltMeta{}, metaShort
	}
	m := buf[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.NativeEndian
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, metaMagic
	}
	if le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, metaVersion
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	if h.Sum64() != le.Uint64(m[metaChecksumAt:]) {
		return boltMeta{}, metaChecksum
	}
	return boltMeta{
		pageSize: uint64(le.Uint32(m[8:])),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, metaOK
}

// readAtMost reads up to len(buf) bytes at off; a short read at the end of
// the file is not an error.
func readAtMost(f *os.File, buf []byte, off int64) ([]byte, error) {
	n, err := f.ReadAt(buf, off)
	if err == io.EOF {
		err = nil
	}
	return buf[:n], err
}

// precheck looks at the meta pages of a bbolt file (and, with deep, at its
// free-page list, which bbolt reads only when writing) before bbolt maps it.
// It returns a reason when the file is damaged, or an I/O error.
//
// Without deep it reads nothing a concurrent writer could be changing but
// the meta pages, which are checksummed, so a reader may call it without
// holding any lock. deep needs the writer's lock.
func precheck(f *os.File, deep bool) (reason string, err error) {
	buf := make([]byte, 4096)
	b0, err := readAtMost(f, buf, 0)
	if err != nil {
		return "", err
	}
	m0, p0 := parseMeta(b0)
	ps := uint64(os.Getpagesize())
	if p0 == metaOK {
		ps = m0.pageSize
	} else {
		// Like bbolt: look for the second meta page at every page size.
		for i := 0; i <= 14; i++ {
			b, err := readAtMost(f, make([]byte, 4096), int64(1024)<<i)
			if err != nil {
				return "", err
			}
			if m, p := parseMeta(b); p == metaOK {
				ps = m.pageSize
				break
			}
		}
	}
	if ps < 512 || ps > 1<<24 || ps&(ps-1) != 0 {
		return fmt.Sprintf("its header gives an impossible page size (%d)", ps), nil
	}
	b1, err := readAtMost(f, make([]byte, 4096), int64(ps))
	if err != nil {
		return "", err
	}
	m1, p1 := parseMeta(b1)
	var m boltMeta
	switch {
	case p0 == metaOK && p1 == metaOK:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case p0 == metaOK:
		m = m0
	case p1 == metaOK:
		m = m1
	default:
		switch p0 {
		case metaShort:
			return "it is too short to be a bbolt database", nil
		case metaVersion:
			return "it is a bbolt database of an unknown format version", nil
		case metaChecksum:
			return "both of its header pages are damaged (checksum mismatch)", nil
		}
		return "it is not a bbolt database", nil
	}
	if m.pageSize != ps {
		return fmt.Sprintf("its header pages disagree on the page size (%d and %d)", ps, m.pageSize), nil
	}
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := uint64(fi.Size())
	if m.pgid < 4 || m.pgid > size/ps {
		return fmt.Sprintf("the file is truncated: it is %d bytes long but its header says it holds %d pages of %d bytes", size, m.pgid, ps), nil
	}
	if m.root < 2 || m.root >= m.pgid {
		return fmt.Sprintf("its root page number (%d) is out of range", m.root), nil
	}
	if !deep {
		return "", nil
	}
	if m.freelist == noFreelist {
		return "it was written without a free-page list, which roster never does", nil
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return fmt.Sprintf("its free-page list page number (%d) is out of range", m.freelist), nil
	}
	hdr, err := readAtMost(f, make([]byte, pageHeaderSize+8), int64(m.freelist*ps))
	if err != nil {
		return "", err
	}
	if len(hdr) < pageHeaderSize+8 {
		return "its free-page list lies beyond the end of the file", nil
	}
	le := binary.NativeEndian
	id, flags := le.Uint64(hdr[0:]), le.Uint16(hdr[8:])
	count, overflow := uint64(le.Uint16(hdr[10:])), uint64(le.Uint32(hdr[12:]))
	if id != m.freelist || flags != freelistPageFlag {
		return fmt.Sprintf("its free-page list (page %d) is damaged", m.freelist), nil
	}
	if overflow >= m.pgid-m.freelist {
		return fmt.Sprintf("its free-page list (page %d) runs past the end of the data", m.freelist), nil
	}
	first := uint64(0)
	if count == 0xFFFF {
		count, first = le.Uint64(hdr[pageHeaderSize:]), 1
	}
	room := ((overflow+1)*ps - pageHeaderSize) / 8
	if count > room || first+count > room {
		return fmt.Sprintf("its free-page list (page %d) claims %d entries, more than it can hold", m.freelist, count), nil
	}
	if count == 0 {
		return "", nil
	}
	ids, err := readAtMost(f, make([]byte, count*8), int64(m.freelist*ps+pageHeaderSize+first*8))
	if err != nil {
		return "", err
	}
	if uint64(len(ids)) != count*8 {
		return "its free-page list lies beyond the end of the file", nil
	}
	for i := uint64(0); i < count; i++ {
		if p := le.Uint64(ids[i*8:]); p < 2 || p >= m.pgid {
			return fmt.Sprintf("its free-page list names page %d, which is out of range", p), nil
		}
	}
	return "", nil
}

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// freezingProxy forwards TCP connections to target until frozen; then it
// keeps them open and forwards nothing more, as a stopped (SIGSTOP) or
// unreachable database server would behave.
type freezingProxy struct {
	ln     net.Listener
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}()
	return p
}

func (p *freezingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.frozen.Load() {
			time.Sleep(50 * time.Millisecond) // hold everything
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

// TestPGFrozenServer: with the database frozen in the middle of an apply,
// SIGTERM ends roster within a few seconds (exit 1), and a second signal
// at once. Before issue 20 roster ran on through both signals.
func TestPGFrozenServer(t *testing.T) {
	u, _ := pgState(t)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hostileConfig), 0o644)
	r.ok(t, dir, "apply", "--auto-approve", "--state", u, "--now", testNow) // tables made

	for _, signals := range []int{1, 2} {
		proxy := newFreezingProxy(t, pu.Host)
		via := *pu
		via.Host = proxy.ln.Addr().String()
		proxy.frozen.Store(true) // frozen before roster's first query
		cmd := r.command(context.Background(), dir, "apply", "--auto-approve", "--state", via.String(), "--now", testNow)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		time.Sleep(time.Second) // roster waits on the frozen server
		syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		limit := 5 * time.Second
		if signals == 2 {
			time.Sleep(100 * time.Millisecond)
			syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			limit = time.Second
		}
		code, took := waitExit(t, cmd, limit)
		if code != 1 && code != 130 || strings.Contains(out.String(), "goroutine ") {
			t.Errorf("%d signal(s): exit %d after %v:\n%s", signals, code, took, &out)
		}
		t.Logf("%d signal(s): exit %d after %v: %s", signals, code, took, strings.TrimSpace(out.String()))
	}
}

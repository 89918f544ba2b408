package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZCorpus(t *testing.T) {
	paths, _ := filepath.Glob("/root/.cache/go-build/fuzz/github.com/roster-dev/roster/internal/config/FuzzLoad/*")
	for _, p := range paths {
		raw, _ := os.ReadFile(p)
		lines := strings.SplitN(string(raw), "\n", 2)
		s := strings.TrimSpace(lines[1])
		s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
		data, err := strconv.Unquote(s)
		if err != nil { t.Log(p, err); continue }
		st := time.Now()
		LoadSources([]Source{{Name: "f.hcl", Data: []byte(data)}})
		Format([]byte(data), "f.hcl")
		if el := time.Since(st); el > 50*time.Millisecond {
			t.Logf("%s %v %d bytes", filepath.Base(p), el, len(data))
		}
	}
}

package config

import (
	"testing"
	"time"
)

func TestZZTime(t *testing.T) {
	for _, e := range []string{
		`[for i in range(1000) : [for j in range(1001) : true]]`,
		`range(1000001)`,
		`format("%999999999d", 1)`,
		`replace(join("", [for i in range(1000) : "aaaaaaaaaa"]), "a", join("", [for i in range(1000) : "bbbbbbbbbbbbbbbbbbbbbbbb"]))`,
		`join(join("", [for i in range(1000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]), range(1000))`,
	} {
		st := time.Now()
		res := LoadSources([]Source{{Name: "f.hcl", Data: []byte("locals {\n  x = " + e + "\n}\n")}})
		t.Log(time.Since(st), res.Diags)
	}
}

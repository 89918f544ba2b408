package jsonw

import (
	"bytes"
	"encoding/json"
	"testing"
)

func marshal(s string, html bool) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

var samples = []string{"", "plain", `q"b\s`, "\b\f\n\r\t\x00\x1f\x7f", "<a>&", "é ü 日本", "\u2028\u2029", "bad \xff\xfe utf8", "mixed\u2028<\x01>"}

func TestMatchesEncodingJSON(t *testing.T) {
	for _, s := range samples {
		if got, want := AppendString(nil, s), marshal(s, false); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got, want := AppendStringHTML(nil, s), marshal(s, true); !bytes.Equal(got, want) {
			t.Errorf("AppendStringHTML(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzMatchesEncodingJSON(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), marshal(s, false); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got, want := AppendStringHTML(nil, s), marshal(s, true); !bytes.Equal(got, want) {
			t.Fatalf("AppendStringHTML(%q) = %s, want %s", s, got, want)
		}
	})
}

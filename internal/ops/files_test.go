package ops

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Export writes every record in the format asked, to Stdout or to Out.
func TestExportRecordFormats(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	export := func(f ExportFormat, out string) string {
		t.Helper()
		var b bytes.Buffer
		res, err := Export(ctx, env, ExportRequest{Format: f, Out: out, Stdout: &b})
		if err != nil || res != nil {
			t.Fatalf("export %d: %v, %v", f, res, err)
		}
		if out != "" {
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
		return b.String()
	}
	jsonl := export(ExportJSONL, "")
	if lines := strings.Split(strings.TrimSuffix(jsonl, "\n"), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], `{"action":"create",`) {
		t.Errorf("jsonl: %q", jsonl)
	}
	file := filepath.Join(t.TempDir(), "e.csv")
	if csv := export(ExportCSV, file); !strings.HasPrefix(csv, "\ufeffseq,time,address,") || strings.Count(csv, "\r\n") != 4 {
		t.Errorf("csv: %q", csv)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("csv file: %v, %v", fi, err)
	}
	if md := export(ExportMarkdown, ""); !strings.HasPrefix(md, "# roster evidence\n") || !strings.Contains(md, "| `member/acme/ana@acme.com` |  | owner |") {
		t.Errorf("markdown: %q", md)
	}
	if _, err := Export(ctx, env, ExportRequest{Format: ExportJSONL, PublicKeys: []string{"k.pub"}}); err == nil {
		t.Error("public keys with jsonl: no error")
	}
	if _, err := Export(ctx, env, ExportRequest{Format: ExportBundle}); err == nil {
		t.Error("a bundle without a folder: no error")
	}
}

// Fmt reports the unformatted files, rewrites them unless Check, and
// formats standard input.
func TestFmt(t *testing.T) {
	env, _ := newEnv(t, "team \"acme\" {\nplatform=\"plausible\"\n}\n")
	ctx := context.Background()
	main := filepath.Join(env.Dir, "main.hcl")
	res, err := Fmt(ctx, env, FmtRequest{Check: true, Diff: true})
	if err != nil || len(res.Changed) != 1 || res.Changed[0].Name != main || !bytes.Contains(res.Changed[0].Diff, []byte("+  platform = \"plausible\"")) {
		t.Fatalf("check: %+v, %v", res, err)
	}
	if data, _ := os.ReadFile(main); !bytes.Contains(data, []byte("platform=")) {
		t.Fatal("check rewrote the file")
	}
	if res, err = Fmt(ctx, env, FmtRequest{}); err != nil || len(res.Changed) != 1 || res.Changed[0].Diff != nil {
		t.Fatalf("fmt: %+v, %v", res, err)
	}
	if res, err = Fmt(ctx, env, FmtRequest{Check: true}); err != nil || len(res.Changed) != 0 {
		t.Fatalf("fmt again: %+v, %v", res, err)
	}
	res, err = Fmt(ctx, env, FmtRequest{Args: []string{"-"}, Stdin: strings.NewReader("a=1\n")})
	if err != nil || !res.Stdin || string(res.Formatted) != "a = 1\n" || len(res.Changed) != 1 {
		t.Fatalf("stdin: %+v, %v", res, err)
	}
	_, err = Fmt(ctx, env, FmtRequest{Args: []string{"-"}, Stdin: strings.NewReader("a=\n")})
	var de *DiagError
	if !errors.As(err, &de) {
		t.Fatalf("stdin with a syntax error: %v", err)
	}
	sub := filepath.Join(t.TempDir(), "sub")
	os.MkdirAll(filepath.Join(sub, "below"), 0o755)
	os.WriteFile(filepath.Join(sub, "below", "x.hcl"), []byte("a = 1\n"), 0o600)
	if _, err := Fmt(ctx, env, FmtRequest{Args: []string{sub}}); err == nil || !strings.Contains(err.Error(), "use --recursive") {
		t.Fatalf("a folder with .hcl files below only: %v", err)
	}
}

// Init writes the starter once, and an example's files; it names an
// unknown example's alternatives.
func TestInit(t *testing.T) {
	env := &Env{Dir: filepath.Join(t.TempDir(), "new")}
	res, err := Init(env, InitRequest{})
	if err != nil || len(res.Wrote) != 1 || res.Wrote[0] != filepath.Join(env.Dir, "main.hcl") || res.Existing != "" {
		t.Fatalf("init: %+v, %v", res, err)
	}
	if res, err = Init(env, InitRequest{}); err != nil || res.Existing != "main.hcl" || len(res.Wrote) != 0 {
		t.Fatalf("init again: %+v, %v", res, err)
	}
	names := Examples()
	if len(names) == 0 {
		t.Fatal("no examples")
	}
	ex := &Env{Dir: t.TempDir()}
	if res, err = Init(ex, InitRequest{Example: names[0]}); err != nil || len(res.Wrote) == 0 {
		t.Fatalf("init --example %s: %+v, %v", names[0], res, err)
	}
	if _, err := Init(ex, InitRequest{Example: "nope"}); err == nil || !strings.Contains(err.Error(), names[0]) {
		t.Fatalf("unknown example: %v", err)
	}
}

// Keygen writes a key pair and never overwrites one.
func TestKeygen(t *testing.T) {
	out := filepath.Join(t.TempDir(), "k")
	res, err := Keygen(KeygenRequest{Out: out})
	if err != nil || res.Private != out || res.Public != out+".pub" || len(res.KeyID) != 16 {
		t.Fatalf("keygen: %+v, %v", res, err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, %v", fi, err)
	}
	if _, err := Keygen(KeygenRequest{Out: out}); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("keygen over a key: %v", err)
	}
}

// Platforms lists the built-in profiles, sorted, with no configuration;
// Platform finds one by name or names the others.
func TestPlatforms(t *testing.T) {
	env := &Env{Dir: t.TempDir()}
	ps, err := Platforms(env, PlatformsRequest{Now: now})
	if err != nil || len(ps) < 5 {
		t.Fatalf("platforms: %d, %v", len(ps), err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Name >= ps[i].Name || !ps[i].Builtin {
			t.Fatalf("platforms not sorted or not built in: %s, %s", ps[i-1].Name, ps[i].Name)
		}
	}
	if p, err := Platform(env, PlatformRequest{Now: now, Name: "plausible"}); err != nil || p.Name != "plausible" {
		t.Fatalf("platform plausible: %v, %v", p, err)
	}
	if _, err := Platform(env, PlatformRequest{Now: now, Name: "nope"}); err == nil || !strings.Contains(err.Error(), "plausible") {
		t.Fatalf("unknown platform: %v", err)
	}
	if _, err := Platforms(&Env{Dir: filepath.Join(env.Dir, "missing")}, PlatformsRequest{Now: now}); err == nil {
		t.Fatal("a missing directory: no error")
	}
}

// Version keeps a stamped commit.
func TestVersion(t *testing.T) {
	v := Version(VersionRequest{Version: "1.2.3", Commit: "abc"})
	if v.Version != "1.2.3" || v.Commit != "abc" || !strings.HasPrefix(v.Go, "go") || v.OS == "" || v.Arch == "" {
		t.Fatalf("version: %+v", v)
	}
}

package fakekit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	json "github.com/go-json-experiment/json"
)

// Main runs a fake as the command name (say "fake-posthog"), with args
// (without the program name) `URLFILE [--seed FILE.json] [--addr
// HOST:PORT]`. It reads the seed file, if any, with LoadSeed, starts the
// server with start, writes its base URL (no trailing newline) into URLFILE
// atomically once it accepts connections, and serves until SIGINT or
// SIGTERM, then stops the server and returns 0. A usage error returns 2,
// any other error 1, each said on stderr.
func Main[Seed any](name string, args []string, start func(seed Seed, addr string) (url string, stop func(), err error)) int {
	return runMain(os.Stderr, name, args, start)
}

func runMain[Seed any](stderr io.Writer, name string, args []string, start func(Seed, string) (string, func(), error)) int {
	usage := "usage: " + name + " URLFILE [--seed FILE.json] [--addr HOST:PORT]"
	var urlFile, seedFile, addr string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--seed" || a == "-seed" || a == "--addr" || a == "-addr":
			if i+1 >= len(args) {
				fmt.Fprintf(stderr, "%s: %s needs a value\n%s\n", name, a, usage)
				return 2
			}
			if strings.HasSuffix(a, "seed") {
				seedFile = args[i+1]
			} else {
				addr = args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--seed="):
			seedFile = strings.TrimPrefix(a, "--seed=")
		case strings.HasPrefix(a, "--addr="):
			addr = strings.TrimPrefix(a, "--addr=")
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "%s: unknown flag %s\n%s\n", name, a, usage)
			return 2
		case urlFile == "":
			urlFile = a
		default:
			fmt.Fprintf(stderr, "%s: unexpected argument %q\n%s\n", name, a, usage)
			return 2
		}
	}
	if urlFile == "" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var seed Seed
	if seedFile != "" {
		var err error
		if seed, err = LoadSeed[Seed](seedFile); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	url, stop, err := start(seed, addr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	defer stop()
	if err := writeFileAtomic(urlFile, []byte(url)); err != nil {
		fmt.Fprintf(stderr, "%s: write %s: %v\n", name, urlFile, err)
		return 1
	}
	<-ctx.Done()
	return 0
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it to path, so that a reader never sees it half written.
func writeFileAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	err := os.WriteFile(tmp, data, 0o644)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	return err
}

// Call is a tiny client for a fake's admin endpoints, as the command name
// (say "fake-posthog-call"), with args (without the program name)
// `URLFILE|URL METHOD PATH [JSON-BODY]`. URLFILE is the file Main wrote
// (waited for up to 10 s); a value starting with http:// is the base URL
// itself. It prints the response body on stdout and returns 1 when the
// status is not 2xx; a usage error, listing paths, returns 2.
func Call(name string, args []string, paths []string) int {
	return runCall(os.Stdout, os.Stderr, name, args, paths)
}

func runCall(stdout, stderr io.Writer, name string, args []string, paths []string) int {
	if len(args) < 3 || len(args) > 4 {
		fmt.Fprintln(stderr, "usage: "+name+" URLFILE|URL METHOD PATH [JSON-BODY]")
		for _, p := range paths {
			fmt.Fprintln(stderr, "  "+p)
		}
		return 2
	}
	base := args[0]
	if !strings.HasPrefix(base, "http://") {
		data, err := waitForFile(base)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		base = strings.TrimSpace(string(data))
	}
	var body io.Reader
	if len(args) == 4 {
		body = strings.NewReader(args[3])
	}
	req, err := http.NewRequest(strings.ToUpper(args[1]), strings.TrimRight(base, "/")+args[2], body)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	stdout.Write(out) //nolint:errcheck
	if len(out) > 0 && out[len(out)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(stderr, "%s: %s %s: %s\n", name, args[1], args[2], resp.Status)
		return 1
	}
	return 0
}

// waitForFile reads the URL file, waiting up to 10 s for Main to write it
// (a server started in the background may not have written it yet).
func waitForFile(path string) ([]byte, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			return data, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s is empty", path)
			}
			return nil, fmt.Errorf("no server URL: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DecodeStrict decodes data, one JSON value, into v (json/v2), refusing
// members that v does not have (names match exactly) and repeated ones,
// so that a typo is an error and not data silently left out.
func DecodeStrict(data []byte, v any) error {
	return json.Unmarshal(data, v, json.RejectUnknownMembers(true))
}

// LoadSeed reads a seed file, JSON decoded into a T with DecodeStrict. A
// read error comes back as it is; a decode error names the file ("seed
// PATH: …") and comes with the zero T.
func LoadSeed[T any](path string) (T, error) {
	var seed T
	data, err := os.ReadFile(path)
	if err != nil {
		return seed, err
	}
	if err := DecodeStrict(data, &seed); err != nil {
		var zero T
		return zero, fmt.Errorf("seed %s: %v", path, err)
	}
	return seed, nil
}

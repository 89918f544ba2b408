package fakepiwikpro

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const mainUsage = "usage: fake-piwikpro URLFILE [--seed FILE.json] [--addr HOST:PORT]"

// Main runs the fake as a command: `fake-piwikpro URLFILE [--seed FILE.json]
// [--addr HOST:PORT]` (args without the program name). It starts the
// server, writes its base URL (no trailing newline) into URLFILE once it
// accepts connections, and serves until interrupted or terminated.
func Main(args []string) int {
	var urlFile, seedFile, addr string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--seed" || a == "-seed" || a == "--addr" || a == "-addr":
			if i+1 >= len(args) {
				fmt.Fprintf(os.Stderr, "fake-piwikpro: %s needs a value\n%s\n", a, mainUsage)
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
			fmt.Fprintf(os.Stderr, "fake-piwikpro: unknown flag %s\n%s\n", a, mainUsage)
			return 2
		case urlFile == "":
			urlFile = a
		default:
			fmt.Fprintf(os.Stderr, "fake-piwikpro: unexpected argument %q\n%s\n", a, mainUsage)
			return 2
		}
	}
	if urlFile == "" {
		fmt.Fprintln(os.Stderr, mainUsage)
		return 2
	}
	var opts Options
	opts.Addr = addr
	if seedFile != "" {
		seed, err := LoadSeed(seedFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fake-piwikpro: %v\n", err)
			return 1
		}
		opts.Seed = seed
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := Start(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake-piwikpro: %v\n", err)
		return 1
	}
	defer s.Close()
	tmp := filepath.Join(filepath.Dir(urlFile), "."+filepath.Base(urlFile)+".tmp")
	if err := os.WriteFile(tmp, []byte(s.URL), 0o644); err == nil {
		err = os.Rename(tmp, urlFile)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake-piwikpro: write %s: %v\n", urlFile, err)
		return 1
	}
	<-ctx.Done()
	return 0
}

// LoadSeed reads a seed file (JSON, the fields of Seed), refusing unknown
// fields so that a typo is an error and not an empty account.
func LoadSeed(path string) (Seed, error) {
	var seed Seed
	data, err := os.ReadFile(path)
	if err != nil {
		return seed, err
	}
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.DisallowUnknownFields()
	if err := d.Decode(&seed); err != nil {
		return seed, fmt.Errorf("seed %s: %v", path, err)
	}
	return seed, nil
}

const callUsage = "usage: fake-piwikpro-call URLFILE|URL METHOD PATH [JSON-BODY]"

// Call is a tiny client for the admin endpoints, as a command:
// `fake-piwikpro-call URLFILE|URL METHOD PATH [JSON-BODY]` (args without the
// program name). URLFILE is the file Main wrote; a value starting with
// http:// is used as the base URL itself. It prints the response body on
// stdout and exits 1 when the status is not 2xx.
func Call(args []string) int {
	if len(args) < 3 || len(args) > 4 {
		fmt.Fprintln(os.Stderr, callUsage)
		for _, p := range AdminPaths {
			fmt.Fprintln(os.Stderr, "  "+p)
		}
		return 2
	}
	base := args[0]
	if !strings.HasPrefix(base, "http://") {
		data, err := waitForFile(base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fake-piwikpro-call: %v\n", err)
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
		fmt.Fprintf(os.Stderr, "fake-piwikpro-call: %v\n", err)
		return 1
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake-piwikpro-call: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	os.Stdout.Write(out) //nolint:errcheck
	if len(out) > 0 && out[len(out)-1] != '\n' {
		fmt.Fprintln(os.Stdout)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(os.Stderr, "fake-piwikpro-call: %s %s: %s\n", args[1], args[2], resp.Status)
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

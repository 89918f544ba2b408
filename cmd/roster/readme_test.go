package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeCommands are the command lines of README.md's sh blocks, split at
// "&&", their comments cut, as words (single and double quotes kept
// together).
func readmeCommands(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in:
			for _, part := range strings.Split(line, "&&") {
				if words := shellWords(part); len(words) > 0 {
					out = append(out, words)
				}
			}
		}
	}
	return out
}

// shellWords splits s as sh would, for the plain lines of a README: words
// separated by blanks, quotes kept together and removed, and an unquoted
// '#' starting a comment.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#' && !inWord:
			return append(words, wordsFlush(&w, &inWord)...)
		case r == ' ' || r == '\t':
			words = append(words, wordsFlush(&w, &inWord)...)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	return append(words, wordsFlush(&w, &inWord)...)
}

func wordsFlush(w *strings.Builder, inWord *bool) []string {
	if !*inWord {
		return nil
	}
	s := w.String()
	w.Reset()
	*inWord = false
	return []string{s}
}

// TestREADMECommands: every roster command line the README shows names a
// command and flags roster has (each is run with --help, which parses the
// flags first), and every make target it names is in the Makefile. The
// tour's outcomes are run by make demo and examples.txtar.
func TestREADMECommands(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t)
	dir := t.TempDir()
	var rosters, makes int
	for _, words := range readmeCommands(t) {
		switch words[0] {
		case "roster":
			rosters++
			res := r.run(t, hangLimit, dir, append(words[1:], "--help")...)
			if res.code != 0 || !strings.Contains(res.stdout, "Usage:") {
				t.Errorf("README's %q does not parse:\n%s", strings.Join(words, " "), res)
			}
		case "make":
			makes++
			target := "build"
			if len(words) > 1 && !strings.Contains(words[1], "=") {
				target = words[1]
			}
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(makefile) {
				t.Errorf("README's %q names no Makefile target %q", strings.Join(words, " "), target)
			}
		}
	}
	if rosters < 20 || makes < 4 {
		t.Errorf("found %d roster and %d make command lines in README.md; the blocks moved?", rosters, makes)
	}
}

func TestShellWords(t *testing.T) {
	got := strings.Join(shellWords(`roster confirm 'site/acme/mysite.com#rotate_api_key' --note "done in the UI"   # a comment`), "|")
	if want := "roster|confirm|site/acme/mysite.com#rotate_api_key|--note|done in the UI"; got != want {
		t.Errorf("shellWords = %q, want %q", got, want)
	}
}

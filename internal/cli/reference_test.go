package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// referenceCommand is one command line the reference names: the command's
// path below roster and the flags it is shown with.
type referenceCommand struct {
	line  string   // as written, for messages
	path  []string // e.g. ["evidence", "export"]
	flags []string // long names, without dashes
	// values are the alternatives a flag is shown with, such as --format
	// text|markdown|json: each must be named by the flag's help.
	values map[string][]string
}

var (
	codeSpan  = regexp.MustCompile("`([^`]+)`")
	flagToken = regexp.MustCompile(`^\[?--([a-z][a-z0-9-]*)\]?(?:=(.*))?$`)
	wordToken = regexp.MustCompile(`^[a-z][a-z-]*$`)
)

// referenceCommands reads the command lines of schema/cli.md's tables:
// every code span of a row's first cell that starts with "roster" (or, after
// a " / ", continues the command before it, as `state show ADDRESS` does).
func referenceCommands(t *testing.T, root *cobra.Command) []referenceCommand {
	t.Helper()
	data, err := os.ReadFile("../../schema/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []referenceCommand
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(strings.ReplaceAll(line[2:], `\|`, "\x00"), " | ", 2)[0]
		var parent []string
		for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
			words := strings.Fields(strings.ReplaceAll(m[1], "\x00", "|"))
			switch {
			case len(words) > 0 && words[0] == "roster":
				words = words[1:]
			case parent != nil && len(words) > 0 && wordToken.MatchString(words[0]):
				words = append(append([]string{}, parent[:len(parent)-1]...), words...)
			default:
				continue // a global flag's row, or a flag's value
			}
			rc := referenceCommand{line: m[1], values: map[string][]string{}}
			cmd := root
			for i := 0; i < len(words); i++ {
				w := words[i]
				if fm := flagToken.FindStringSubmatch(w); fm != nil {
					name := fm[1]
					rc.flags = append(rc.flags, name)
					val := fm[2]
					if val == "" && i+1 < len(words) && strings.Contains(words[i+1], "|") {
						val = words[i+1]
					}
					if vs := strings.Split(strings.Trim(val, "[]"), "|"); len(vs) > 1 && wordToken.MatchString(vs[0]) {
						rc.values[name] = vs
					}
					continue
				}
				if len(rc.flags) == 0 && wordToken.MatchString(w) {
					if sub := findSub(cmd, w); sub != nil {
						cmd = sub
						rc.path = append(rc.path, w)
					}
				}
			}
			if len(rc.path) == 0 && len(words) > 0 && !strings.HasPrefix(words[0], "-") {
				rc.path = []string{words[0]} // unknown: reported below
			}
			parent = rc.path
			out = append(out, rc)
		}
	}
	return out
}

// findSub is the subcommand of c named name.
func findSub(c *cobra.Command, name string) *cobra.Command {
	for _, s := range c.Commands() {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// lookupFlag finds a flag of c, its own or inherited.
func lookupFlag(c *cobra.Command, name string) *pflag.Flag {
	if f := c.Flags().Lookup(name); f != nil {
		return f
	}
	return c.InheritedFlags().Lookup(name)
}

// TestReferenceCommandsExist holds the command line to schema/cli.md, the
// contract outside tests are written against: every command its tables
// name exists and shows in roster's help, every flag they show it with is
// one of its flags, and every value they list for a flag (--format
// text|markdown|json) is named by that flag's help. The flags the prose
// names are checked from the list below, kept beside the sentences.
func TestReferenceCommandsExist(t *testing.T) {
	root := (&app{}).rootCommand()
	cmds := referenceCommands(t, root)
	if len(cmds) < 25 {
		t.Fatalf("read %d command lines from schema/cli.md; the test no longer reads its tables", len(cmds))
	}
	// What the prose of cli.md says besides its tables.
	prose := map[string][]string{
		"plan":                {"refresh", "refresh-only", "parallelism", "reinvite"},
		"apply":               {"refresh", "refresh-only", "parallelism", "reinvite", "max-wait", "actor", "approver", "commit", "change-request", "lock-timeout", "ticket", "reviewed", "only", "auto-approve", "allow-mass-removal"},
		"evidence verify":     {"public-key", "checkpoint", "allow-unsigned-tail", "bundle"},
		"review":              {"attest", "reviewer", "note", "format", "out", "from"},
		"access":              {"live", "json"},
		"offboard":            {"ticket", "out"},
		"fmt":                 {"recursive", "check", "diff"},
		"evidence export":     {"format", "out"},
		"state migrate":       {"to"},
		"evidence list":       {"person", "site", "since", "json"},
		"who-can":             {"site", "team", "json"},
		"platforms":           {},
		"platforms show":      {},
		"state mv":            {},
		"state rm":            {},
		"evidence checkpoint": {"json"},
	}
	for path, flags := range prose {
		cmds = append(cmds, referenceCommand{line: "prose: " + path, path: strings.Fields(path), flags: flags})
	}
	for _, g := range []string{"chdir", "state", "now", "no-color"} {
		if root.PersistentFlags().Lookup(g) == nil {
			t.Errorf("the global flag --%s is missing", g)
		}
	}
	help := root.UsageString()
	for _, rc := range cmds {
		cmd := root
		for _, w := range rc.path {
			if cmd = findSub(cmd, w); cmd == nil {
				t.Errorf("%s: roster has no command %q", rc.line, strings.Join(rc.path, " "))
				break
			}
		}
		if cmd == nil || cmd == root {
			if cmd == root {
				t.Errorf("%s: names no command", rc.line)
			}
			continue
		}
		if cmd.Hidden || cmd.Short == "" {
			t.Errorf("%s: roster %s is hidden or has no help line", rc.line, cmd.CommandPath())
		}
		top := cmd
		for top.Parent() != root {
			top = top.Parent()
		}
		if !strings.Contains(help, "  "+top.Name()+" ") {
			t.Errorf("%s: roster --help does not list %s", rc.line, top.Name())
		}
		for _, name := range rc.flags {
			f := lookupFlag(cmd, name)
			if f == nil {
				t.Errorf("%s: roster %s has no flag --%s", rc.line, strings.Join(rc.path, " "), name)
				continue
			}
			if f.Hidden {
				t.Errorf("%s: --%s is hidden from roster %s --help", rc.line, name, strings.Join(rc.path, " "))
			}
			for _, v := range rc.values[name] {
				if !strings.Contains(f.Usage, v) {
					t.Errorf("%s: the help of --%s does not name %q: %q", rc.line, name, v, f.Usage)
				}
			}
		}
	}
}

package ci

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// scriptDir holds the CLI's testscripts; ci_recipe*.txtar run the recipes'
// commands with the CI's variables.
const scriptDir = "../../cmd/roster/testdata/script"

// invocation is one roster command line: its subcommand words and the
// flags given (with the value of the flags whose value changes what runs).
type invocation struct {
	line  string
	words []string
	flags []string
}

var (
	// roster at a command's position in a shell line.
	shellCommand = regexp.MustCompile(`(?:^|;|&&|\|\||\||\bthen|\bif|\bdo|!|\$\(|\{)\s*roster((?:\s+[^\s;|&<>)]+)+)`)
	// roster at a testscript command's position.
	scriptCommand = regexp.MustCompile(`^\s*(?:!\s+)?(?:exec|exitcode\s+\d+)\s+roster((?:\s+\S+)*)`)
	subcommand    = regexp.MustCompile(`^[a-z][a-z-]*$`)
)

// valued are the flags whose value is part of what is checked.
var valued = map[string]bool{"--format": true, "--only": true}

func parseInvocation(line, args string) invocation {
	inv := invocation{line: strings.TrimSpace(line)}
	fields := strings.Fields(args)
	i := 0
	for ; i < len(fields) && subcommand.MatchString(fields[i]); i++ {
		inv.words = append(inv.words, fields[i])
	}
	for ; i < len(fields); i++ {
		f := fields[i]
		if !strings.HasPrefix(f, "--") {
			continue
		}
		name, _, _ := strings.Cut(f, "=")
		if valued[name] && i+1 < len(fields) {
			name += " " + strings.Trim(fields[i+1], `"'`)
		}
		inv.flags = append(inv.flags, name)
	}
	return inv
}

// scriptKeys are the keys whose values are shell: GitHub's run, GitLab's
// script lists.
var scriptKeys = map[string]bool{"run": true, "script": true, "before_script": true, "after_script": true}

// recipeCommands lists the roster commands in the recipe's shell scripts
// (continuation lines joined).
func recipeCommands(t *testing.T, file string) []invocation {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []invocation
	var walk func(v any, shell bool)
	walk = func(v any, shell bool) {
		switch v := v.(type) {
		case string:
			if !shell {
				return
			}
			for _, line := range strings.Split(strings.ReplaceAll(v, "\\\n", " "), "\n") {
				if strings.Contains(line, "go install") {
					continue
				}
				for _, m := range shellCommand.FindAllStringSubmatch(line, -1) {
					out = append(out, parseInvocation(line, m[1]))
				}
			}
		case []any:
			for _, x := range v {
				walk(x, shell)
			}
		case map[string]any:
			for k, x := range v {
				walk(x, scriptKeys[k])
			}
		}
	}
	walk(doc, false)
	return out
}

// scriptCommands lists the roster commands of the testscripts matching glob.
func scriptCommands(t *testing.T, glob string) []invocation {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scriptDir, glob))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testscript %s in %s", glob, scriptDir)
	}
	var out []invocation
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "-- ") {
				break // the archive's files
			}
			if m := scriptCommand.FindStringSubmatch(line); m != nil {
				out = append(out, parseInvocation(line, m[1]))
			}
		}
	}
	return out
}

// covers reports whether a test ran the recipe's command: the same
// subcommand with at least its flags.
func covers(tested []invocation, want invocation) bool {
	for _, got := range tested {
		if slices.Equal(got.words, want.words) && !slices.ContainsFunc(want.flags, func(f string) bool { return !slices.Contains(got.flags, f) }) {
			return true
		}
	}
	return false
}

// TestRecipeCommandsAreTested checks that every roster command a recipe
// runs is run by a testscript with the same subcommand and flags, so a
// recipe cannot call a flag roster does not have, or one no test tried.
func TestRecipeCommandsAreTested(t *testing.T) {
	for _, tc := range []struct{ recipe, scripts string }{
		{githubRecipe, "ci_recipe.txtar"},
		{gitlabRecipe, "ci_recipe_gitlab.txtar"},
	} {
		cmds := recipeCommands(t, tc.recipe)
		if len(cmds) < 5 {
			t.Fatalf("%s: found only %d roster commands; the parser is broken", tc.recipe, len(cmds))
		}
		tested := scriptCommands(t, tc.scripts)
		for _, c := range cmds {
			if !covers(tested, c) {
				t.Errorf("%s runs `%s` (roster %s %s), which no %s runs", tc.recipe, c.line, strings.Join(c.words, " "), strings.Join(c.flags, " "), tc.scripts)
			}
		}
	}
}

// TestCoversCanFail: a command with a flag no test gave is reported.
func TestCoversCanFail(t *testing.T) {
	tested := []invocation{parseInvocation("", "apply --reviewed x.plan --commit c")}
	if covers(tested, parseInvocation("", "apply --reviewed x.plan --commit c --lock-timeout 10m")) {
		t.Error("a flag no test gave was taken as tested")
	}
	if covers(tested, parseInvocation("", "apply --only expired")) {
		t.Error("--only expired was taken as tested by an apply without it")
	}
	if !covers(tested, parseInvocation("", "apply --reviewed \"$PLAN\"")) {
		t.Error("a tested command was not recognised")
	}
}

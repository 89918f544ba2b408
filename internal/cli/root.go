package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app holds the streams and global flags of one run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	chdir   string
	state   string
	nowFlag string
	noColor bool

	// progressShown: an apply's progress line is on stderr, not ended by
	// a newline; anything else written there clears it first.
	progressShown atomic.Bool
}

func (a *app) rootCommand() *cobra.Command {
	root := newCommand("roster", "Access to web-analytics platforms, as code")
	root.Long = `roster manages who may see and change what on web-analytics platforms
(Plausible, Piwik PRO, PostHog, Google Analytics 4, Matomo and any platform
you describe) from HCL files kept in git: plan shows whose access changes and
how risky that is, apply makes the change and writes tamper-evident evidence
for auditors.`
	root.Version = Version
	root.SetVersionTemplate("roster {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitCode{code: ExitError, msg: err.Error() + " (see '" + c.CommandPath() + " --help')"}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.chdir, "chdir", "", "configuration directory (default: the working directory)")
	pf.StringVar(&a.state, "state", "", "state file, or a postgres:// URL (default: $ROSTER_STATE, else .roster/state.db in the configuration directory)")
	pf.StringVar(&a.nowFlag, "now", "", "the moment used for expiry: YYYY-MM-DD or RFC 3339 (default: the wall clock)")
	pf.BoolVar(&a.noColor, "no-color", false, "plain text output (also when NO_COLOR is set or the output is not a terminal)")

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.checkChdir(cmd); err != nil {
			return err
		}
		if a.nowFlag != "" {
			_, err := ParseNow(a.nowFlag)
			return err
		}
		return nil
	}
	root.AddCommand(a.commands()...)
	withUsage(root)
	return root
}

// withUsage makes every command's argument errors say how the command is
// used: "accepts 1 arg(s), received 0" alone does not name ADDRESS.
func withUsage(c *cobra.Command) {
	for _, sub := range c.Commands() {
		withUsage(sub)
	}
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("%v (usage: %s)", err, cmd.UseLine())}
			}
			return nil
		}
	}
}

// commands lists every command of roster, in one place; each is defined
// in its own file.
func (a *app) commands() []*cobra.Command {
	return []*cobra.Command{
		a.versionCommand(),
		a.platformsCommand(),
		a.initCommand(),
		a.fmtCommand(),
		a.validateCommand(),
		a.planCommand(),
		a.applyCommand(),
		a.showCommand(),
		a.stateCommand(),
		a.historyCommand(),
		a.importCommand(),
		a.offboardCommand(),
		a.runbookCommand(),
		a.confirmCommand(),
		a.reviewCommand(),
		a.accessCommand(),
		a.whoCanCommand(),
		a.evidenceCommand(),
		a.keygenCommand(),
	}
}

// dir is the configuration directory.
func (a *app) dir() string {
	if a.chdir != "" {
		return a.chdir
	}
	return "."
}

// checkChdir refuses a --chdir that is not a directory before the command
// runs, as terraform -chdir does: a writer would otherwise make the
// mistyped directory to hold its default state (DIR/.roster) and then fail
// for want of a configuration. init alone makes the directory it is given.
func (a *app) checkChdir(cmd *cobra.Command) error {
	if a.chdir == "" || cmd.Name() == "init" {
		return nil
	}
	fi, err := os.Stat(a.chdir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --chdir %s: no such directory (roster init --chdir %s writes a starter configuration there)", a.chdir, a.chdir)}
	case err != nil:
		return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --chdir %s: %v", a.chdir, errors.Unwrap(err))}
	case !fi.IsDir():
		return &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --chdir %s: not a directory", a.chdir)}
	}
	return nil
}

// statePath is where the state lives: --state, $ROSTER_STATE, or
// .roster/state.db inside the configuration directory.
func (a *app) statePath() string {
	if a.state != "" {
		return a.state
	}
	if s := os.Getenv("ROSTER_STATE"); s != "" {
		return s
	}
	return filepath.Join(a.dir(), ".roster", "state.db")
}

// now is --now or the wall clock. A date means the start of that day, UTC.
func (a *app) now() (time.Time, error) {
	if a.nowFlag == "" {
		return time.Now().UTC(), nil
	}
	return ParseNow(a.nowFlag)
}

// ParseNow reads --now: a date (its start, 00:00:00Z) or an RFC 3339 time.
// The time, in UTC, must be within the years 0000 to 9999, which RFC 3339
// (and so a plan or an evidence record stating it) can write.
func ParseNow(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err == nil {
		if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
			return time.Time{}, &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --now %q: in UTC it is %s, outside the years 0000 to 9999 that plans and evidence can state", s, t.Format(time.RFC3339))}
		}
		return t, nil
	}
	return time.Time{}, &exitCode{code: ExitError, msg: fmt.Sprintf("invalid --now %q: expected a date (YYYY-MM-DD) or an RFC 3339 time (2026-06-01T12:00:00Z)", s)}
}

// color reports whether output to w may be coloured: not with --no-color,
// not with NO_COLOR set, and only on a terminal (schema/cli.md, global
// flags). /dev/null is a character device, not a terminal.
func (a *app) color(w io.Writer) bool {
	if a.noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether r is an interactive terminal: whether it
// answers the terminal-attributes request (x/term). A character device
// alone is not enough: /dev/null is one.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// plural returns "1 thing" or "N things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

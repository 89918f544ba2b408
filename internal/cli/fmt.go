package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
)

func init() { extraCommands = append(extraCommands, (*app).fmtCommand) }

func (a *app) fmtCommand() *cobra.Command {
	c := newCommand("fmt [FILE...]", "Rewrite configuration files in canonical HCL formatting")
	var check, showDiff bool
	c.Flags().BoolVar(&check, "check", false, "change nothing; exit 1 listing the files that would change")
	c.Flags().BoolVar(&showDiff, "diff", false, "show the changes as a unified diff")
	c.RunE = func(_ *cobra.Command, args []string) error {
		files := args
		if len(files) == 0 {
			var err error
			files, err = filepath.Glob(filepath.Join(a.dir(), "*.hcl"))
			if err != nil {
				return err
			}
			sort.Strings(files)
		}
		var diags hcl.Diagnostics
		srcs := map[string]*hcl.File{}
		changed := 0
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("reading %s: %v", name, err)}
			}
			out, ds := config.Format(src, name)
			if ds.HasErrors() {
				// A file with syntax errors is reported, never rewritten.
				diags = append(diags, ds...)
				srcs[name] = &hcl.File{Bytes: src}
				continue
			}
			if bytes.Equal(src, out) {
				continue
			}
			changed++
			if showDiff {
				a.stdout.Write(diff.Diff(name, src, name+" (formatted)", out))
			}
			if check {
				if !showDiff {
					fmt.Fprintln(a.stdout, name)
				}
				continue
			}
			if err := writeFileKeepMode(name, out); err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", name, err)}
			}
			if !showDiff {
				fmt.Fprintln(a.stdout, name)
			}
		}
		if len(diags) > 0 {
			return &diagError{diags: diags, files: srcs}
		}
		if check && changed > 0 {
			return silentExit(ExitError)
		}
		return nil
	}
	return c
}

// writeFileKeepMode replaces a file's content by writing a temporary file
// beside it and renaming it over, keeping the file's mode.
func writeFileKeepMode(name string, data []byte) error {
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".roster-fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

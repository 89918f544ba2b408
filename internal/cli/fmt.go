package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/fsx"
)

func (a *app) fmtCommand() *cobra.Command {
	c := newCommand("fmt [FILE...]", "Rewrite configuration files in canonical HCL formatting")
	var check, showDiff, recursive bool
	c.Flags().BoolVar(&check, "check", false, "change nothing; exit 1 listing the files that would change")
	c.Flags().BoolVar(&recursive, "recursive", false, "also format the .hcl files in every directory below (hidden ones excepted)")
	c.Flags().BoolVar(&showDiff, "diff", false, "show the changes as a unified diff")
	c.RunE = func(_ *cobra.Command, args []string) error {
		if len(args) == 1 && args[0] == "-" {
			return a.fmtStdin(check, showDiff)
		}
		// Files as given; a directory stands for its *.hcl files, and no
		// argument for the configuration directory's.
		var files []string
		if len(args) == 0 {
			args = []string{a.dir()}
		}
		for _, arg := range args {
			if arg == "-" {
				return &exitCode{code: ExitError, msg: "fmt - reads standard input alone; give it no other file"}
			}
			fi, err := os.Stat(arg)
			if err != nil || !fi.IsDir() {
				files = append(files, arg)
				continue
			}
			in, below, err := hclFiles(arg, recursive)
			if err != nil {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("reading %s: %v", arg, err)}
			}
			if len(in) == 0 && below > 0 {
				// A check that finds nothing to check must not pass
				// silently while the configuration sits one level down.
				return &exitCode{code: ExitError, msg: fmt.Sprintf("%s holds no .hcl files, but %s below it: use --recursive", arg, plural(below, "file is", "files are"))}
			}
			files = append(files, in...)
		}
		var diags hcl.Diagnostics
		srcs := map[string]*hcl.File{}
		changed := 0
		for _, name := range files {
			src, err := fsx.ReadFile(a.context(), name, config.MaxFileSize)
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
			// Through a symlink to its target, keeping the file's mode.
			if err := fsx.WriteFile(name, out, fsx.Options{KeepMode: true, Context: a.context()}); err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
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

// fmtStdin formats standard input to standard output (fmt -, as in
// Terraform); with --check it writes nothing and exits 1 when the input
// is not formatted, with --diff it writes the diff instead.
func (a *app) fmtStdin(check, showDiff bool) error {
	src, err := fsx.ReadAll(a.context(), a.stdin, config.MaxFileSize)
	if err != nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("reading standard input: %v", err)}
	}
	const name = "<stdin>"
	out, ds := config.Format(src, name)
	if ds.HasErrors() {
		return &diagError{diags: ds, files: map[string]*hcl.File{name: {Bytes: src}}}
	}
	changed := !bytes.Equal(src, out)
	switch {
	case showDiff:
		if changed {
			a.stdout.Write(diff.Diff(name, src, name+" (formatted)", out))
		}
	case !check:
		a.stdout.Write(out)
	}
	if check && changed {
		return silentExit(ExitError)
	}
	return nil
}

// hclFiles lists dir's .hcl files, sorted; with recursive, those of every
// directory below it too, hidden directories (.git, .roster) excepted, as
// terraform fmt -recursive does. Without recursive, below counts the .hcl
// files the subdirectories hold, so a caller can say why it found none.
func hclFiles(dir string, recursive bool) (files []string, below int, err error) {
	if !recursive {
		files, err = filepath.Glob(filepath.Join(dir, "*.hcl"))
		if err != nil || len(files) > 0 {
			sort.Strings(files)
			return files, 0, err
		}
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".hcl" {
			return nil
		}
		if recursive || filepath.Dir(path) == filepath.Clean(dir) {
			files = append(files, path)
		} else {
			below++
		}
		return nil
	})
	sort.Strings(files)
	return files, below, err
}

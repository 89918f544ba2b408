package ops

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/fsx"
)

// FmtRequest asks to rewrite configuration files in canonical HCL
// formatting (roster fmt).
type FmtRequest struct {
	// Args are the files as given; a directory stands for its .hcl files
	// (and with Recursive, those of every directory below it, hidden ones
	// excepted), no argument for the configuration directory's, and "-"
	// alone for Stdin.
	Args      []string
	Recursive bool
	// Check changes nothing: it only finds what is not formatted. Diff
	// makes each change's unified diff.
	Check, Diff bool
	Stdin       io.Reader
}

// FmtResult is what fmt found (and, without Check, rewrote).
type FmtResult struct {
	// Stdin says the input was standard input (fmt -).
	Stdin bool
	// Changed are the inputs not formatted, in order: rewritten, unless
	// Check. Diff is the change's unified diff when the request asked
	// for it.
	Changed []FmtFile
	// Formatted is standard input formatted, neither Check nor Diff
	// asked.
	Formatted []byte
}

// FmtFile is one input that was not formatted.
type FmtFile struct {
	Name string
	Diff []byte
}

// stdinName is how standard input is named in diffs and diagnostics.
const stdinName = "<stdin>"

// Fmt formats the request's files, or standard input. A file with syntax
// errors is reported (a *DiagError, after the other files are done),
// never rewritten. A file is rewritten in place, through a symlink to its
// target, keeping its mode. On an error the result says what was done
// before it.
func Fmt(ctx context.Context, env *Env, req FmtRequest) (*FmtResult, error) {
	if len(req.Args) == 1 && req.Args[0] == "-" {
		return fmtStdin(ctx, req)
	}
	res := &FmtResult{}
	files, err := fmtFiles(env, req)
	if err != nil {
		return res, err
	}
	var diags hcl.Diagnostics
	srcs := map[string]*hcl.File{}
	for _, name := range files {
		src, err := fsx.ReadFile(ctx, name, config.MaxFileSize)
		if err != nil {
			return res, errorf("reading %s: %v", name, err)
		}
		out, ds := config.Format(src, name)
		if ds.HasErrors() {
			diags = append(diags, ds...)
			srcs[name] = &hcl.File{Bytes: src}
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		f := FmtFile{Name: name}
		if req.Diff {
			f.Diff = diff.Diff(name, src, name+" (formatted)", out)
		}
		if !req.Check {
			if err := fsx.WriteFile(name, out, fsx.Options{KeepMode: true, Context: ctx}); err != nil {
				if req.Diff { // the diff was made: it shows what failed
					res.Changed = append(res.Changed, f)
				}
				return res, &Error{Msg: err.Error()}
			}
		}
		res.Changed = append(res.Changed, f)
	}
	if len(diags) > 0 {
		return res, &DiagError{Diags: diags, Files: srcs}
	}
	return res, nil
}

// fmtFiles are the files the request's arguments name.
func fmtFiles(env *Env, req FmtRequest) ([]string, error) {
	args := req.Args
	if len(args) == 0 {
		args = []string{env.Dir}
	}
	var files []string
	for _, arg := range args {
		if arg == "-" {
			return nil, errorf("fmt - reads standard input alone; give it no other file")
		}
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			files = append(files, arg)
			continue
		}
		in, below, err := hclFiles(arg, req.Recursive)
		if err != nil {
			return nil, errorf("reading %s: %v", arg, err)
		}
		if len(in) == 0 && below > 0 {
			// A check that finds nothing to check must not pass
			// silently while the configuration sits one level down.
			return nil, errorf("%s holds no .hcl files, but %s below it: use --recursive", arg, plural(below, "file is", "files are"))
		}
		files = append(files, in...)
	}
	return files, nil
}

// fmtStdin formats standard input (fmt -, as in Terraform).
func fmtStdin(ctx context.Context, req FmtRequest) (*FmtResult, error) {
	res := &FmtResult{Stdin: true}
	src, err := fsx.ReadAll(ctx, req.Stdin, config.MaxFileSize)
	if err != nil {
		return res, errorf("reading standard input: %v", err)
	}
	out, ds := config.Format(src, stdinName)
	if ds.HasErrors() {
		return res, &DiagError{Diags: ds, Files: map[string]*hcl.File{stdinName: {Bytes: src}}}
	}
	if !bytes.Equal(src, out) {
		f := FmtFile{Name: stdinName}
		if req.Diff {
			f.Diff = diff.Diff(stdinName, src, stdinName+" (formatted)", out)
		}
		res.Changed = append(res.Changed, f)
	}
	if !req.Check && !req.Diff {
		res.Formatted = out
	}
	return res, nil
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

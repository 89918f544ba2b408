package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/sync/errgroup"

	"github.com/roster-dev/roster/internal/model"
	"github.com/zclconf/go-cty/cty"
)

// Result is what loading a configuration gives: the model, the parsed
// files (for diagnostics with source snippets) and every diagnostic.
type Result struct {
	// Config is nil only when loading could not even start (the directory
	// cannot be read); otherwise it is the best effort, errors or not.
	Config *model.Config
	// Files are the parsed files by the name used in ranges: the base name,
	// so diagnostics read main.hcl:9:13. They hold the source bytes only
	// (Body is nil): the syntax tree is dropped once decoded.
	Files map[string]*hcl.File
	// Diags holds every diagnostic of the run, in file order and then in
	// source order.
	Diags hcl.Diagnostics
}

// Source is one configuration file handed in without a filesystem.
type Source struct {
	Name string
	Data []byte
}

// Load reads every *.hcl file directly in dir (not recursive, in lexical
// order of file name; names starting with "." are editor files and are
// skipped) and decodes them.
func Load(dir string) *Result {
	srcs, diags, listed := ReadDir(dir)
	if !listed {
		return &Result{Files: map[string]*hcl.File{}, Diags: diags}
	}
	return load(dir, srcs, diags, false)
}

// ReadDir reads the configuration files of dir as Load does (every *.hcl
// file directly in it, editor files skipped, sizes limited), for callers
// that edit the sources before loading them (roster offboard). A file
// over the size limit comes back without data, beside its diagnostic.
// listed is false when the directory itself could not be read.
func ReadDir(dir string) (srcs []Source, diags hcl.Diagnostics, listed bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the configuration directory",
			Detail:   fmt.Sprintf("roster could not list %s: %v. Check the path given with --chdir.", dir, unwrapPathError(err)),
		}}, false
	}
	total := int64(0)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".hcl") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			diags = append(diags, fileError(name, "Cannot read configuration file", fmt.Sprintf("roster could not read %s: %v.", name, unwrapPathError(err))))
			continue
		}
		if info.IsDir() {
			continue
		}
		if !info.Mode().IsRegular() {
			// A FIFO or a device would block the read or never end.
			diags = append(diags, fileError(name, "Cannot read configuration file", fmt.Sprintf("%s is not a regular file (it is a %s); roster reads only regular *.hcl files.", name, fileKind(info.Mode()))))
			continue
		}
		if info.Size() > MaxFileSize {
			diags = append(diags, tooBigFile(name))
			srcs = append(srcs, Source{Name: name})
			continue
		}
		if total+info.Size() > MaxConfigSize {
			diags = append(diags, tooBigConfig(name))
			break
		}
		data, err := readLimited(path)
		if err != nil {
			diags = append(diags, fileError(name, "Cannot read configuration file", fmt.Sprintf("roster could not read %s: %v.", name, unwrapPathError(err))))
			continue
		}
		if len(data) > MaxFileSize {
			diags = append(diags, tooBigFile(name))
			srcs = append(srcs, Source{Name: name})
			continue
		}
		total += int64(len(data))
		srcs = append(srcs, Source{Name: name, Data: data})
	}
	if len(srcs) == 0 && len(diags) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s holds no *.hcl file. roster reads every *.hcl file directly in the configuration directory: run roster init to write a starter configuration, or pick another directory with --chdir.", dir),
		})
	}
	return srcs, diags, true
}

// LoadSources decodes files handed in memory, as Load does with files on
// disk: in lexical order of name.
func LoadSources(srcs []Source) *Result { return LoadSourcesAt("", srcs) }

// LoadSourcesAt is LoadSources for sources that belong to the
// configuration directory dir: the policy's directory file is read
// relative to it.
func LoadSourcesAt(dir string, srcs []Source) *Result {
	sorted := make([]Source, len(srcs))
	copy(sorted, srcs)
	for i := range sorted {
		if sorted[i].Data == nil {
			sorted[i].Data = []byte{}
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var diags hcl.Diagnostics
	if len(sorted) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   "No *.hcl file was given; a configuration needs at least one.",
		})
	}
	return load(dir, sorted, diags, true)
}

// fileKind names a file mode's type for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func fileError(name, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: fileStart(name)}
}

func tooBigFile(name string) *hcl.Diagnostic {
	return fileError(name, "Configuration file too large",
		fmt.Sprintf("%s is larger than %d MiB, the limit of one configuration file; split it into several files.", name, MaxFileSize>>20))
}

func tooBigConfig(name string) *hcl.Diagnostic {
	return fileError(name, "Configuration too large",
		fmt.Sprintf("Reading %s would take the configuration past %d MiB, the limit of all its files together; %s and the files after it were not read.", name, MaxConfigSize>>20, name))
}

// load parses and decodes srcs, which are in file order. Sources with nil
// Data were refused before (too large) and only keep their place.
func load(dir string, srcs []Source, diags hcl.Diagnostics, checkSizes bool) *Result {
	res := &Result{Files: map[string]*hcl.File{}}
	l := newLoader()
	l.diags = diags
	l.baseDir = dir

	// Names and sizes first: nothing is parsed from a configuration past
	// its limits.
	total := 0
	seen := map[string]bool{}
	files := make([]Source, 0, len(srcs))
	for i, src := range srcs {
		l.fileOrder[src.Name] = i
		if seen[src.Name] {
			l.diags = append(l.diags, fileError(src.Name, "Duplicate file name",
				fmt.Sprintf("Two configuration files are named %s; each file needs its own name.", src.Name)))
			continue
		}
		seen[src.Name] = true
		if src.Data == nil {
			continue
		}
		if checkSizes {
			if len(src.Data) > MaxFileSize {
				l.diags = append(l.diags, tooBigFile(src.Name))
				continue
			}
			if total+len(src.Data) > MaxConfigSize {
				l.diags = append(l.diags, tooBigConfig(src.Name))
				break
			}
			total += len(src.Data)
		}
		files = append(files, src)
	}
	cfg := &model.Config{Platforms: BuiltinPlatforms()}
	res.Config = cfg
	l.platforms = cfg.Platforms
	if l.diags.HasErrors() {
		res.Diags = sortDiags(l.diags, l.fileOrder)
		return res
	}

	h := sha256.New()
	parsed := parseFiles(files)
	var bodies []*hclsyntax.Body
	for i, src := range files {
		h.Write([]byte(src.Name))
		h.Write([]byte{0})
		h.Write(src.Data)
		h.Write([]byte{0})

		p := &parsed[i]
		if p.nesting != nil {
			l.diags = append(l.diags, p.nesting)
			l.stop = true
			continue
		}
		l.diags = append(l.diags, p.diags...)
		if p.file == nil {
			l.stop = true
			continue
		}
		// Diagnostics need only the source bytes (diag.snippet): keeping
		// the syntax tree here would hold it for the whole command.
		res.Files[src.Name] = &hcl.File{Bytes: src.Data}
		if fatalParse(p.diags) {
			l.stop = true
			continue
		}
		if p.body == nil {
			l.stop = true
			continue
		}
		if len(p.depth) > 0 {
			l.diags = append(l.diags, p.depth...)
			l.stop = true
			continue
		}
		bodies = append(bodies, p.body)
	}
	cfg.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	if !l.stop {
		l.decodeSafely(bodies)
		cfg.Objects = l.objects
		cfg.Policy = l.policy
		cfg.People = l.people
		cfg.Moves = l.moves
		model.SortObjects(cfg.Objects)
	}
	res.Diags = sortDiags(l.diags, l.fileOrder)
	return res
}

// parsedFile is what parsing one file found: a nesting diagnostic (and
// nothing else), or the file, the parser's diagnostics and, for a body
// that can be decoded, the body and its depth diagnostics.
type parsedFile struct {
	nesting *hcl.Diagnostic
	file    *hcl.File
	diags   hcl.Diagnostics
	body    *hclsyntax.Body
	depth   hcl.Diagnostics
}

// parseFiles parses files concurrently, in up to GOMAXPROCS goroutines:
// each file is checked for nesting, parsed and checked for depth on its
// own. The results keep the files' order; everything after parsing runs
// in that order, so diagnostics and the digest do not depend on which
// file finished first.
func parseFiles(files []Source) []parsedFile {
	out := make([]parsedFile, len(files))
	parse := func(i int) {
		src := files[i]
		p := &out[i]
		defer func() {
			// parseSafely catches the parser's panics; this catches the
			// checks' around it, which no caller could catch in a
			// goroutine.
			if r := recover(); r != nil {
				*p = parsedFile{diags: hcl.Diagnostics{fileError(src.Name, "Cannot parse configuration file",
					fmt.Sprintf("roster failed while checking %s (%v); please report this with the file.", src.Name, r))}}
			}
		}()
		var cuts []int
		if p.nesting, cuts = scanBlocks(src.Data, src.Name, maxParseNesting); p.nesting != nil {
			return
		}
		if body := parseBlocks(src.Data, src.Name, cuts); body != nil {
			p.file = &hcl.File{Body: body, Bytes: src.Data}
		} else {
			p.file, p.diags = parseSafely(newParser(), src.Data, src.Name)
		}
		if p.file == nil || fatalParse(p.diags) {
			return
		}
		if body, ok := p.file.Body.(*hclsyntax.Body); ok {
			p.body = body
			p.depth = checkBodyDepth(body, nil)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(files))
	if workers <= 1 {
		for i := range files {
			parse(i)
		}
		return out
	}
	var g errgroup.Group
	g.SetLimit(workers)
	for i := range files {
		g.Go(func() error { parse(i); return nil })
	}
	_ = g.Wait() // parse records its failures in out
	return out
}

// parseBlocks parses a file a top-level block at a time, at the cuts
// scanBlocks found, and joins the blocks into one body: the parser's token
// array for one block is dropped before the next is parsed, where a
// whole-file parse holds the tokens of the whole file at once. It returns
// nil, and the caller parses the whole file, when there is nothing to cut
// or when any part has a diagnostic or a top-level attribute, so that
// diagnostics are those of a whole-file parse.
func parseBlocks(src []byte, name string, cuts []int) (body *hclsyntax.Body) {
	if len(cuts) < 2 {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			body = nil
		}
	}()
	body = &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	start := hcl.InitialPos
	var last *hclsyntax.Body
	for k := 0; k <= len(cuts); k++ {
		end := len(src)
		if k < len(cuts) {
			end = cuts[k]
		}
		if end < start.Byte || k < len(cuts) && end == start.Byte {
			continue
		}
		f, diags := hclsyntax.ParseConfig(src[start.Byte:end], name, start)
		if len(diags) > 0 || f == nil {
			return nil
		}
		part, ok := f.Body.(*hclsyntax.Body)
		if !ok || len(part.Attributes) > 0 {
			return nil
		}
		body.Blocks = append(body.Blocks, part.Blocks...)
		last = part
		start = hcl.Pos{Line: start.Line + bytes.Count(src[start.Byte:end], []byte{'\n'}), Column: 1, Byte: end}
	}
	if last == nil {
		return nil
	}
	body.SrcRange = hcl.Range{Filename: name, Start: hcl.InitialPos, End: last.SrcRange.End}
	body.EndRange = last.EndRange
	return body
}

// fatalParse reports whether parsing failed so that the body cannot be
// trusted. An argument set twice is an error, but the parser keeps the
// first and the rest of the file is whole, so decoding goes on and the
// other problems are reported in the same run.
func fatalParse(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary != "Attribute redefined" {
			return true
		}
	}
	return false
}

// decodeSafely decodes, turning a panic (a bug in roster or in a library)
// into a diagnostic instead of a stack trace.
func (l *loader) decodeSafely(bodies []*hclsyntax.Body) {
	defer func() {
		if r := recover(); r != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Internal error",
				Detail:   fmt.Sprintf("roster failed while decoding the configuration (%v). This is a bug; please report it with the configuration.", r),
			})
		}
	}()
	l.decode(bodies)
}

// parseSafely runs the HCL parser, turning a panic inside it into a
// diagnostic: a bug there must not reach the user as a stack trace.
func parseSafely(p *hclparse.Parser, data []byte, name string) (f *hcl.File, diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			f = nil
			diags = hcl.Diagnostics{fileError(name, "Cannot parse configuration file",
				fmt.Sprintf("The HCL parser failed on %s (%v); please report this with the file.", name, r))}
		}
	}()
	return p.ParseHCL(data, name)
}

// sortDiags orders diagnostics by file order, then position; diagnostics
// without a place come first. The sort is stable, so diagnostics at one
// place keep the order they were found in. Repeats are dropped.
func sortDiags(diags hcl.Diagnostics, order map[string]int) hcl.Diagnostics {
	place := func(d *hcl.Diagnostic) (int, int) {
		if d.Subject == nil {
			return -1, 0
		}
		o, ok := order[d.Subject.Filename]
		if !ok {
			o = len(order)
		}
		return o, d.Subject.Start.Byte
	}
	sort.SliceStable(diags, func(i, j int) bool {
		fi, bi := place(diags[i])
		fj, bj := place(diags[j])
		if fi != fj {
			return fi < fj
		}
		return bi < bj
	})
	// A block repeated by for_each reports the same problem once per
	// repetition: keep one.
	type key struct {
		file            string
		start, end      int
		summary, detail string
	}
	seen := make(map[key]bool, len(diags))
	out := diags[:0]
	for _, d := range diags {
		k := key{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.file, k.start, k.end = d.Subject.Filename, d.Subject.Start.Byte, d.Subject.End.Byte
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

// loader holds the state of one Load.
type loader struct {
	diags     hcl.Diagnostics
	stop      bool
	fileOrder map[string]int

	ctx       *hcl.EvalContext // functions and locals: the context of every expression
	platforms map[string]*model.Platform
	teams     map[string]*teamDecl
	objects   []*model.Object
	policy    *model.Policy
	// baseDir is the configuration directory, which the policy's
	// directory file is relative to ("" for the working directory), and
	// people what that file holds.
	baseDir string
	people  *model.Directory

	groupRecords []groupRecord
	moves        []model.Move

	// grantSeen is reused for each holder to find duplicate grants.
	grantSeen map[string]hcl.Range
}

func newLoader() *loader {
	return &loader{
		fileOrder: map[string]int{},
		teams:     map[string]*teamDecl{},
		grantSeen: map[string]hcl.Range{},
		ctx:       &hcl.EvalContext{Functions: functions(), Variables: map[string]cty.Value{"local": cty.EmptyObjectVal}},
	}
}

func (l *loader) errorf(rng hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

// topBlocks groups the top-level blocks of every file by type, in file
// order, reporting anything else found at the top.
type topBlocks struct {
	teams, sites, members, guests, groups, platforms, policies, locals, moved []*hcl.Block
}

var topSchema = func() *blockSchema {
	s := newSchema("top-level", nil, rootSchema.Blocks, false)
	s.where = "at the top level of a file"
	return s
}()

func (l *loader) collect(bodies []*hclsyntax.Body) *topBlocks {
	t := &topBlocks{}
	for _, body := range bodies {
		var none slots
		for _, b := range l.content(body, topSchema, body.SrcRange, &none) {
			switch b.Type {
			case "team":
				t.teams = append(t.teams, b)
			case "site":
				t.sites = append(t.sites, b)
			case "member":
				t.members = append(t.members, b)
			case "guest":
				t.guests = append(t.guests, b)
			case "group":
				t.groups = append(t.groups, b)
			case "platform":
				t.platforms = append(t.platforms, b)
			case "policy":
				t.policies = append(t.policies, b)
			case "locals":
				t.locals = append(t.locals, b)
			case "moved":
				t.moved = append(t.moved, b)
			}
		}
	}
	return t
}

// decode runs the decoders in dependency order: platforms and locals
// first, then teams, sites, people and groups, then the checks across
// blocks. Diagnostics are sorted by place afterwards.
func (l *loader) decode(bodies []*hclsyntax.Body) {
	t := l.collect(bodies)
	n := len(t.teams) + len(t.sites) + len(t.members) + len(t.groups)
	for _, g := range t.guests {
		if sb, ok := g.Body.(*hclsyntax.Body); ok {
			n += len(sb.Blocks)
		}
	}
	l.objects = make([]*model.Object, 0, n)

	l.decodeLocals(t.locals)
	l.decodePlatforms(t.platforms)
	for _, b := range t.teams {
		l.decodeTeam(b)
	}
	for _, b := range t.sites {
		l.decodeSite(b)
	}
	for _, b := range t.members {
		l.decodePerson(b, model.HolderMember)
	}
	for _, b := range t.guests {
		l.decodePerson(b, model.HolderGuest)
	}
	for _, b := range t.groups {
		l.decodeGroup(b)
	}
	l.checkGroupMembers()
	l.decodePolicies(t.policies)
	l.moves = l.decodeMoved(t.moved)
}

func newParser() *hclparse.Parser { return hclparse.NewParser() }

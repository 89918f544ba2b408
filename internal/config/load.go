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
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

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
	if l.diags.HasErrors() {
		res.Config = &model.Config{Platforms: BuiltinPlatforms()}
		res.Diags = sortDiags(l.diags, l.fileOrder)
		return res
	}
	h := sha256.New()
	for _, src := range files {
		h.Write([]byte(src.Name))
		h.Write([]byte{0})
		h.Write(src.Data)
		h.Write([]byte{0})
	}
	digest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	// Member and guest blocks, nearly all of a large configuration, are
	// parsed one at a time while they are decoded, and dropped. When one
	// of them cannot be parsed on its own, everything starts again with
	// files parsed whole (and cut into blocks where they can be): the
	// run that reports the problem as a whole-file parse does.
	res = nil
	if streamPeople {
		res = decodeFiles(dir, files, l, true)
	}
	if res == nil {
		res = decodeFiles(dir, files, l, false)
	}
	res.Config.Digest = digest
	return res
}

// streamPeople is false only in tests, to compare the two ways of loading.
var streamPeople = true

// decodeFiles parses and decodes files, on a loader that starts with
// pre's diagnostics and file order. With stream, member and guest blocks
// are parsed as they are decoded (see parseFiles); it returns nil when
// one of them fails to parse on its own.
func decodeFiles(dir string, files []Source, pre *loader, stream bool) *Result {
	res := &Result{Files: map[string]*hcl.File{}}
	l := newLoader()
	l.diags = slices.Clone(pre.diags)
	l.fileOrder = pre.fileOrder
	l.baseDir = dir
	cfg := &model.Config{Platforms: BuiltinPlatforms()}
	res.Config = cfg
	l.platforms = cfg.Platforms

	parsed := parseFiles(files, stream)
	var bodies []*hclsyntax.Body
	var people []personRefs
	for i, src := range files {
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
		people = append(people, personRefs{src: src, segs: p.people})
	}
	if !l.stop {
		if !l.decodeSafely(bodies, people) {
			return nil
		}
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
	// people are the member and guest blocks left out of body, to be
	// parsed as they are decoded (parseFiles with stream).
	people []segment
}

// parseFiles parses files concurrently, in up to GOMAXPROCS goroutines:
// each file is checked for nesting, parsed and checked for depth on its
// own. The results keep the files' order; everything after parsing runs
// in that order, so diagnostics and the digest do not depend on which
// file finished first. With stream, the member and guest blocks of a file
// cut into blocks are left unparsed (parsedFile.people).
func parseFiles(files []Source, stream bool) []parsedFile {
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
		if body, people := parseBlocks(src.Data, src.Name, cuts, stream); body != nil {
			p.file = &hcl.File{Body: body, Bytes: src.Data}
			p.people = people
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
//
// With stream, the parts that start a member or guest block are not
// parsed but returned as segments, in file order, for parseSegment.
func parseBlocks(src []byte, name string, cuts []int, stream bool) (body *hclsyntax.Body, people []segment) {
	if len(cuts) < 2 {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			body, people = nil, nil
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
		next := hcl.Pos{Line: start.Line + bytes.Count(src[start.Byte:end], []byte{'\n'}), Column: 1, Byte: end}
		if typ := blockType(src[start.Byte:end]); stream && (typ == "member" || typ == "guest") {
			people = append(people, segment{typ: typ, start: start, end: end})
			start = next
			continue
		}
		f, diags := hclsyntax.ParseConfig(src[start.Byte:end], name, start)
		if len(diags) > 0 || f == nil {
			return nil, nil
		}
		part, ok := f.Body.(*hclsyntax.Body)
		if !ok || len(part.Attributes) > 0 {
			return nil, nil
		}
		body.Blocks = append(body.Blocks, part.Blocks...)
		last = part
		start = next
	}
	if last == nil && len(people) == 0 {
		return nil, nil
	}
	end := start
	if last != nil && len(people) == 0 {
		end = last.SrcRange.End
	}
	body.SrcRange = hcl.Range{Filename: name, Start: hcl.InitialPos, End: end}
	body.EndRange = hcl.Range{Filename: name, Start: end, End: end}
	if last != nil && len(people) == 0 {
		body.EndRange = last.EndRange
	}
	return body, people
}

// segment is a part of a file that parseBlocks left unparsed: one member
// or guest block, from start to the byte end.
type segment struct {
	typ   string
	start hcl.Pos
	end   int
}

// blockType is the first word of src after space and comments: the type
// of the block a part of a file starts, or "" when it starts otherwise.
func blockType(src []byte) string {
	i := 0
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return ""
			}
			i += end + 4
		default:
			j := i
			for j < len(src) && (src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9' || src[j] == '_' || src[j] == '-') {
				j++
			}
			return string(src[i:j])
		}
	}
	return ""
}

// parseSegment parses one segment of src on its own: ok only when it is
// exactly one block of its type, without a diagnostic of the parser or
// of checkBodyDepth, so that decoding it gives what decoding a whole-file
// parse would.
func parseSegment(src []byte, name string, seg segment) (b *hclsyntax.Block, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			b, ok = nil, false
		}
	}()
	f, diags := hclsyntax.ParseConfig(src[seg.start.Byte:seg.end], name, seg.start)
	if len(diags) > 0 || f == nil {
		return nil, false
	}
	body, isSyntax := f.Body.(*hclsyntax.Body)
	if !isSyntax || len(body.Attributes) > 0 || len(body.Blocks) != 1 || body.Blocks[0].Type != seg.typ {
		return nil, false
	}
	if len(checkBodyDepth(body, nil)) > 0 {
		return nil, false
	}
	return body.Blocks[0], true
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
// into a diagnostic instead of a stack trace. It is false when a member
// or guest block could not be parsed on its own (see decodeFiles).
func (l *loader) decodeSafely(bodies []*hclsyntax.Body, people []personRefs) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = true
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Internal error",
				Detail:   fmt.Sprintf("roster failed while decoding the configuration (%v). This is a bug; please report it with the configuration.", r),
			})
		}
	}()
	return l.decode(bodies, people)
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
	f, diags = p.ParseHCL(data, name)
	tightenParseRanges(diags, data)
	return f, diags
}

// tightenParseRanges makes the range of each parser diagnostic cover
// what it is about, for the underline: a range that runs past the end of
// its line only by the line's end (a comment token holds its newline)
// ends at the end of that line, and an empty one (a newline where a "{"
// was due, the end of the file where an expression was) covers the
// character before it.
func tightenParseRanges(diags hcl.Diagnostics, src []byte) {
	for _, d := range diags {
		r := d.Subject
		if r == nil || r.End.Byte > len(src) || r.End.Byte < r.Start.Byte {
			continue
		}
		t := *r
		if t.End.Line == t.Start.Line+1 && t.End.Column == 1 && t.End.Byte > t.Start.Byte && src[t.End.Byte-1] == '\n' {
			end := t.End.Byte - 1
			if end > t.Start.Byte && src[end-1] == '\r' {
				end--
			}
			t.End = hcl.Pos{Line: t.Start.Line, Column: t.Start.Column + utf8.RuneCount(src[t.Start.Byte:end]), Byte: end}
		}
		if t.End.Byte == t.Start.Byte {
			t = charBefore(src, t)
		}
		if t != *r {
			d.Subject = &t
		}
	}
}

// charBefore is the range of the character at r's start when that is not
// a line end, else of the last character before it: at the end of a
// line or of the file, the character the problem follows.
func charBefore(src []byte, r hcl.Range) hcl.Range {
	if c := charRange(src, r.Filename, r.Start); c.End.Byte > c.Start.Byte {
		return c
	}
	i, line := r.Start.Byte, r.Start.Line
	for i > 0 && (src[i-1] == '\n' || src[i-1] == '\r') {
		if src[i-1] == '\n' {
			line--
		}
		i--
	}
	if i == 0 {
		return r
	}
	_, n := utf8.DecodeLastRune(src[:i])
	lineStart := bytes.LastIndexByte(src[:i], '\n') + 1
	col := 1 + utf8.RuneCount(src[lineStart:i-n])
	return hcl.Range{Filename: r.Filename,
		Start: hcl.Pos{Line: line, Column: col, Byte: i - n},
		End:   hcl.Pos{Line: line, Column: col + 1, Byte: i}}
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

	// defaultEnv is, for each credential variable a connection took from
	// its team's name (no token_env), that team.
	defaultEnv map[string]string

	// spans makes the places declared objects keep (model.Decl), one
	// file name string shared by all of a file's.
	spans model.SpanFiles

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
	teams, sites, groups, platforms, policies, locals, moved []*hcl.Block
	members, guests                                          []personBlock
}

// personRefs are the member and guest blocks of one file that
// parseBlocks left unparsed, in file order.
type personRefs struct {
	src  Source
	segs []segment
}

// personBlock is a member or guest block: parsed with its file (block),
// or a segment of src parsed only when it is decoded.
type personBlock struct {
	block *hcl.Block
	src   []byte
	name  string
	seg   segment
}

var topSchema = func() *blockSchema {
	s := newSchema("top-level", nil, rootSchema.Blocks, false)
	s.where = "at the top level of a file"
	return s
}()

// collect groups the blocks of bodies, and the unparsed people of each
// (people[i] belongs to bodies[i]).
func (l *loader) collect(bodies []*hclsyntax.Body, people []personRefs) *topBlocks {
	t := &topBlocks{}
	for i, body := range bodies {
		var none slots
		for _, b := range l.content(body, topSchema, body.SrcRange, &none) {
			switch b.Type {
			case "team":
				t.teams = append(t.teams, b)
			case "site":
				t.sites = append(t.sites, b)
			case "member":
				t.members = append(t.members, personBlock{block: b})
			case "guest":
				t.guests = append(t.guests, personBlock{block: b})
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
		for _, seg := range people[i].segs {
			pb := personBlock{src: people[i].src.Data, name: people[i].src.Name, seg: seg}
			if seg.typ == "member" {
				t.members = append(t.members, pb)
			} else {
				t.guests = append(t.guests, pb)
			}
		}
	}
	return t
}

// decode runs the decoders in dependency order: platforms and locals
// first, then teams, sites, people and groups, then the checks across
// blocks. Diagnostics are sorted by place afterwards. It is false when a
// member or guest block could not be parsed on its own (decodeFiles).
func (l *loader) decode(bodies []*hclsyntax.Body, people []personRefs) bool {
	t := l.collect(bodies, people)
	n := len(t.teams) + len(t.sites) + len(t.members) + len(t.groups) + len(t.guests)
	for _, g := range t.guests {
		if g.block == nil {
			continue
		}
		if sb, ok := g.block.Body.(*hclsyntax.Body); ok {
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
	if !l.decodePeople(t.members, model.HolderMember) || !l.decodePeople(t.guests, model.HolderGuest) {
		return false
	}
	for _, b := range t.groups {
		l.decodeGroup(b)
	}
	l.checkGroupMembers()
	l.decodePolicies(t.policies)
	l.moves = l.decodeMoved(t.moved)
	return true
}

// peopleBatch is how many member or guest blocks are parsed ahead of the
// one being decoded: the syntax trees of a batch or two are all that is
// held at a time.
const peopleBatch = 256

// decodePeople decodes member or guest blocks in order. Those not parsed
// yet are parsed a batch at a time, the next batch (on every CPU) while
// this one is decoded, and each tree is dropped once decoded. It is false
// when one fails to parse on its own.
func (l *loader) decodePeople(list []personBlock, kind model.HolderKind) bool {
	workers := max(1, runtime.GOMAXPROCS(0))
	parse := func(lo, hi int) <-chan []*hclsyntax.Block {
		ch := make(chan []*hclsyntax.Block, 1)
		go func() {
			out := make([]*hclsyntax.Block, hi-lo)
			var g errgroup.Group
			per := (hi - lo + workers - 1) / workers
			for w := lo; w < hi; w += per {
				g.Go(func() error {
					for i := w; i < min(w+per, hi); i++ {
						if pb := &list[i]; pb.block == nil {
							out[i-lo], _ = parseSegment(pb.src, pb.name, pb.seg)
						}
					}
					return nil
				})
			}
			_ = g.Wait() // a block that failed is nil in out
			ch <- out
		}()
		return ch
	}
	var next <-chan []*hclsyntax.Block
	if len(list) > 0 {
		next = parse(0, min(peopleBatch, len(list)))
	}
	for lo := 0; lo < len(list); lo += peopleBatch {
		trees := <-next
		if hi := lo + peopleBatch; hi < len(list) {
			next = parse(hi, min(hi+peopleBatch, len(list)))
		}
		for i, tree := range trees {
			pb := &list[lo+i]
			b := pb.block
			if b == nil {
				if tree == nil {
					return false
				}
				var none slots
				top := &hclsyntax.Body{Blocks: hclsyntax.Blocks{tree}, SrcRange: tree.Range(), EndRange: tree.CloseBraceRange}
				blocks := l.content(top, topSchema, tree.Range(), &none)
				if len(blocks) == 0 {
					continue // its labels are wrong, and said so
				}
				b = blocks[0]
			}
			l.decodePerson(b, kind)
			trees[i] = nil
		}
	}
	return true
}

func newParser() *hclparse.Parser { return hclparse.NewParser() }

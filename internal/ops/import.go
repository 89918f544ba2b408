package ops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/importer"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
)

// maxSheet bounds a CSV sheet (README "Limits"): its declarations must
// fit one configuration file of config.MaxFileSize.
const maxSheet = config.MaxFileSize

// imported is what one import found, whichever its source.
type imported struct {
	res *importer.Result
	// source names where it came from, for the file's header and the
	// evidence's why.
	header []string
	why    string
	// status is each live object's status (connected teams), siteIDs
	// the remote id found for each declared site, defaults the default
	// access the platform gives on it, roles the access its roles give.
	status   map[string]model.Status
	siteIDs  map[string]string
	defaults map[string]string
	roles    map[string][]model.RoleAccess
	// record is false when nothing is recorded in the state (a sheet
	// imported for a connected team).
	record bool
}

// ImportRequest imports a team's existing access: from its platform, or
// from the CSV sheet CSV. Out is the declarations file to write (default
// imported_TEAM.hcl in the configuration directory); Actor who imports,
// for the evidence; Now the moment expiry is judged at.
type ImportRequest struct {
	Team        string
	Out         string
	CSV         string
	Actor       string
	LockTimeout time.Duration
	Now         time.Time
}

// ImportOutcome is how an import ended.
type ImportOutcome int

const (
	// ImportFinished: a pending import a killed run left was finished.
	ImportFinished ImportOutcome = iota + 1
	// ImportNothing: nothing to import (what a refresh found of the team
	// may still be recorded: Recorded).
	ImportNothing
	// ImportRefused: the policy refuses the declarations; the file was
	// written with a comment on each refused block, nothing recorded.
	ImportRefused
	// ImportWritten: the file was written, nothing recorded (a sheet for a
	// connected team).
	ImportWritten
	// ImportRecorded: the file was written and recorded in the state.
	ImportRecorded
)

// ImportResult is what an import found and did.
type ImportResult struct {
	Outcome ImportOutcome
	Team    string
	// Source is where the access was read: "platform" or "sheet".
	Source string
	// Found is what was found: drift, skipped, the summary.
	Found *importer.Result
	// Out is the declarations file; InDir says it is a *.hcl file of the
	// configuration directory Dir.
	Out   string
	InDir bool
	Dir   string
	// Serial is the commit a finished pending import was recorded in.
	Serial uint64
	// Recorded is the commit that recorded the import (nil: none), and
	// RecordedWhat says what it recorded when nothing was imported
	// (importer.Recorded).
	Recorded     *apply.Result
	RecordedWhat string
	// PolicyRules are the rules that refused the declarations; Annotated
	// says the file carries a comment on each refused block.
	PolicyRules []string
	Annotated   bool
}

// Import reads a team's existing access and writes the declarations a
// person would write for it, recording what it declared in the state. A
// result comes back with an error that stops after something was found,
// so the command line can still show it; with ErrFailed, the result says why.
func Import(ctx context.Context, env *Env, req ImportRequest) (*ImportResult, error) {
	team, out, csvFile := req.Team, req.Out, req.CSV
	if err := CheckSigner(); err != nil {
		return nil, err
	}
	r := env.run(req.Now)
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	now := req.Now
	teamObj := findTeam(cfg.Config, team)
	if to, ok := importer.MovedTeam(cfg.Config.Moves, team); ok && teamObj == nil {
		r.View.Note(fmt.Sprintf("a moved block renames team %s to %s; importing into %s.", team, to, to))
		team, teamObj = to, findTeam(cfg.Config, to)
	}
	if teamObj == nil {
		return nil, errorf("team %q is not declared; declare it first with a team block (its platform, and a connection block to import from the platform). Declared teams: %s", team, model.QuoteList(teamNames(cfg.Config)))
	}
	plat := cfg.Config.Platforms[teamObj.Platform]
	if plat == nil {
		return nil, errorf("team %s: platform %q is not known", team, teamObj.Platform)
	}
	connected := teamObj.Decl != nil && teamObj.Decl.Connection != nil
	var sheet []byte
	if csvFile != "" {
		sheet, err = fsx.ReadFile(ctx, csvFile, maxSheet)
		if err != nil {
			return nil, errorf("reading the sheet %s: %v", csvFile, err)
		}
	} else if !connected {
		return nil, errorf("team %s is offline (it has no connection block), so roster cannot read its access: import it from a spreadsheet with --csv FILE, or add a connection block to the team", team)
	}

	st, snap, done, err := env.openLocked(ctx, "import", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer done()
	if out == "" {
		out = filepath.Join(r.Dir, "imported_"+team+".hcl")
	}
	if serial, err := finishPending(ctx, st, out); serial != 0 || err != nil {
		if err != nil {
			return nil, err
		}
		return &ImportResult{Outcome: ImportFinished, Team: team, Out: out, Serial: serial}, nil
	}
	stamp := time.Now().UTC().Format(time.RFC3339)

	var im *imported
	if csvFile != "" {
		im, err = r.importSheet(csvFile, sheet, team, plat, connected, cfg, snap, now, stamp)
	} else {
		im, err = r.importLive(ctx, cfg, snap, team, plat, stamp)
	}
	if err != nil {
		return nil, err
	}
	res := im.res
	what := "platform"
	if csvFile != "" {
		what = "sheet"
	}
	result := &ImportResult{Team: team, Source: what, Found: res, Out: out, Dir: r.Dir}
	if res.Empty() {
		result.Outcome = ImportNothing
		if !im.record {
			return result, nil
		}
		// What the refresh found of the team and its sites, and people
		// found under an old email, are still recorded, so that the
		// next plan has nothing left to record.
		objs, err := importedObjects(im, cfg.Config, cfg.Config, snap, teamObj)
		if err != nil || len(objs) == 0 {
			return result, err
		}
		rec, err := apply.Import(ctx, st, snap, objs, r.meta(&plan.Plan{}, Who{Actor: req.Actor}, nil))
		if err != nil {
			return result, StoreOrError(err)
		}
		recorded := make([]*model.Object, len(objs))
		for i, o := range objs {
			recorded[i] = o.Object
		}
		result.Recorded, result.RecordedWhat = rec, importer.Recorded(recorded, csvFile == "")
		return result, nil
	}

	if _, err := os.Lstat(out); err == nil {
		return result, errorf("%s already exists, and roster import never overwrites a file: move it aside, or name another file with --out", out)
	}
	result.InDir = sameDir(filepath.Dir(out), r.Dir) && strings.HasSuffix(out, ".hcl")
	name := filepath.Base(out)
	if _, clash := cfg.Files[name]; clash {
		name = out
	}

	// Validate the configuration with the new file before writing
	// anything: what import writes always loads.
	srcs := make([]config.Source, 0, len(cfg.Files)+1)
	for n, f := range cfg.Files {
		srcs = append(srcs, config.Source{Name: n, Data: f.Bytes})
	}
	src := res.HCL(im.header, nil)
	if len(src) > config.MaxFileSize {
		return result, errorf("the declarations for team %s would make %s %s, larger than %d MiB, the limit of one configuration file; nothing was written or recorded. Import the %s in parts (split it into several files, each imported with its own --out FILE)", team, out, fsx.Size(int64(len(src))), config.MaxFileSize>>20, what)
	}
	srcs = append(srcs, config.Source{Name: name, Data: src})
	comb := config.LoadSources(srcs)
	if comb.Diags.HasErrors() || comb.Config == nil {
		r.View.Error(fmt.Sprintf("the declarations import made for team %s do not load with the configuration, so nothing was written. This is a bug in roster; please report it with the messages below.\n", team))
		return result, &DiagError{Diags: comb.Diags, Files: comb.Files}
	}
	pdiags := policy.Check(comb.Config, now)
	if pdiags.HasErrors() {
		notes := importer.Annotate(src, name, pdiags)
		src = res.HCL(im.header, notes)
		srcs[len(srcs)-1].Data = src
		comb = config.LoadSources(srcs)
		pdiags = policy.Check(comb.Config, now)
		if err := writeNewFile(out, src); err != nil {
			return result, err
		}
		var errs hcl.Diagnostics
		for _, d := range pdiags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d)
			}
		}
		r.View.Errors(errs, comb.Files)
		result.Outcome, result.PolicyRules, result.Annotated = ImportRefused, policyRules(errs), len(notes) > 0
		return result, ErrFailed
	}
	r.View.Warnings(pdiags, comb.Files, 10)

	if !im.record {
		if err := writeNewFile(out, src); err != nil {
			return result, err
		}
		result.Outcome = ImportWritten
		return result, nil
	}
	objs, err := importedObjects(im, comb.Config, cfg.Config, snap, teamObj)
	if err != nil {
		return result, &Error{Msg: err.Error() + "; nothing was written or recorded"}
	}
	// Pending file, state, then the file in place: a kill anywhere
	// leaves both or neither, or a pending file the next import
	// settles (import_pending.go).
	meta := r.meta(&plan.Plan{}, Who{Actor: req.Actor}, nil)
	if err := WritePending(out, &PendingImport{Serial: snap.Serial + 1, Time: meta.Time, Actor: meta.Actor, Changes: len(objs), Src: src}); err != nil {
		return result, err
	}
	rec, err := apply.Import(ctx, st, snap, objs, meta)
	if err != nil {
		if ctx.Err() == nil { // else the commit's fate is settled by the next import
			os.Remove(PendingPath(out))
		}
		r.View.Error(fmt.Sprintf("recording the import in the state failed, so %s was not written.", out))
		return result, StoreOrError(err)
	}
	if err := writeNewFile(out, src); err != nil {
		return result, err
	}
	os.Remove(PendingPath(out))
	result.Outcome, result.Recorded = ImportRecorded, rec
	return result, nil
}

// importSheet reads a CSV sheet for team.
func (r *run) importSheet(file string, data []byte, team string, plat *model.Platform, connected bool, cfg *config.Result, snap *state.Snapshot, now time.Time, stamp string) (*imported, error) {
	res, notes, errs := importer.FromCSV(data, importer.SheetInput{
		Team: team, Platform: plat, Connected: connected, Declared: cfg.Config.Objects, Now: now, Moves: importer.Moves(cfg.Config.Moves, snap.Objects),
	})
	for _, n := range notes {
		r.View.Note(file + ": " + n)
	}
	if len(errs) > 0 {
		lines := map[int]bool{}
		for _, e := range errs {
			r.View.Error(fmt.Sprintf("%s:%d: %s", file, e.Line, e.Msg))
			lines[e.Line] = true
		}
		return nil, errorf("%s of %s %s not fit; nothing was written. Fix %s and run roster import again.",
			plural(len(lines), "line", "lines"), file, map[bool]string{true: "does", false: "do"}[len(lines) == 1], map[bool]string{true: "it", false: "them"}[len(lines) == 1])
	}
	base := filepath.Base(file)
	return &imported{
		res: res,
		header: []string{
			fmt.Sprintf("Imported by roster import from the sheet %s for team %s at %s.", base, team, stamp),
			"Review it like any change to access before you commit it.",
		},
		why:    "read from the sheet " + base,
		record: !connected,
	}, nil
}

// importLive reads a connected team's live access: the sites and groups
// the configuration lacks are listed first (where the driver can), so
// that the refresh reads the access on them too.
func (r *run) importLive(ctx context.Context, cfg *config.Result, snap *state.Snapshot, team string, plat *model.Platform, stamp string) (*imported, error) {
	teams, err := live.Teams(cfg.Config, model.WithMovedSites(snap.Objects, cfg.Config.Moves), os.Getenv, func(t string) bool { return t == team })
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if len(teams) != 1 {
		return nil, errorf("team %s is not connected", team)
	}
	t := teams[0]
	mk := r.Drivers[t.Platform.Name]
	if mk == nil {
		return nil, errorf("team %s: roster has no driver for %s in this version", team, t.Platform.Name)
	}
	drv := mk(t, driver.Options{UserAgent: r.userAgent(), Log: r.Log, Notify: r.View.Notify})
	var newSites []importer.Site
	moves := importer.Moves(cfg.Config.Moves, snap.Objects)
	if sl, ok := drv.(importer.SiteLister); ok {
		sites, err := sl.LiveSites(ctx)
		if err != nil {
			return nil, errorf("reading the sites of team %s: %v", team, err)
		}
		newSites = importer.UndeclaredSites(team, t.Sites, moves, sites)
		for _, s := range newSites {
			t.Sites = append(t.Sites, &model.Object{Addr: model.SiteAddress(team, s.Label), RemoteID: s.RemoteID})
		}
	} else {
		r.View.Note(fmt.Sprintf("roster cannot list the %s sites of team %s that the configuration does not declare; declare them by hand, then import again for the access on them.", platformTitle(plat.Name), team))
	}
	snaps, err := live.Refresh(ctx, teams, map[string]driver.Driver{team: drv}, 1)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	s := snaps[team]
	for _, n := range s.Notes {
		r.View.Note(fmt.Sprintf("team %s: %s", team, n))
	}
	for _, w := range s.Warnings {
		r.View.Warning(fmt.Sprintf("team %s: %s", team, w))
	}
	if slices.Contains(s.Invisible, model.KindMember) {
		r.View.Note(fmt.Sprintf("%s's API cannot read team-wide roles, so team %s's members are not imported: declare them by hand, or import them from a spreadsheet with --csv FILE.", platformTitle(plat.Name), team))
	}
	res := importer.FromLive(importer.LiveInput{
		Team: team, Platform: plat, Declared: cfg.Config.Objects, Live: s.Objects, Invisible: s.Invisible,
		NewSites: newSites, Moves: moves,
	})
	status := map[string]model.Status{}
	for _, o := range s.Objects {
		status[o.Addr.String()] = o.Status
	}
	host := t.Conn.Endpoint
	if u, err := url.Parse(t.Conn.Endpoint); err == nil && u.Host != "" {
		host = u.Host
	}
	return &imported{
		res: res,
		header: []string{
			fmt.Sprintf("Imported by roster import from team %s (%s at %s) at %s.", team, platformTitle(plat.Name), host, stamp),
			"Every block below is access that existed on the platform then. Review it",
			"like any change to access before you commit it.",
		},
		why:      fmt.Sprintf("found on %s at %s", platformTitle(plat.Name), host),
		status:   status,
		siteIDs:  s.SiteIDs,
		defaults: s.Defaults,
		roles:    live.RoleAccessBySite(s),
		record:   true,
	}, nil
}

// importedObjects lists what import records: the team and its declared
// sites when the state lacks them, then every imported object as the
// configuration with the new file declares it, with its live status.
func importedObjects(im *imported, comb, orig *model.Config, snap *state.Snapshot, teamObj *model.Object) ([]apply.Imported, error) {
	team := teamObj.Addr.Team
	stored := make(map[model.Address]*model.Object, len(snap.Objects))
	for _, o := range snap.Objects {
		stored[o.Addr] = o
	}
	storedTeam := stored[teamObj.Addr]
	// What a moved block brings from a stored object is the plan's move.
	isStored := func(a model.Address) bool { return stored[a] != nil }
	var objs []apply.Imported
	const declared = "declared; recorded by import"
	switch {
	case importer.StoredBefore(comb.Moves, teamObj.Addr, isStored):
	case storedTeam == nil:
		objs = append(objs, apply.Imported{Object: teamObj, Why: declared})
	case storedTeam.Connected != teamObj.Connected && storedTeam.PendingAction == "":
		// The state learns that the team is connected now.
		c := storedTeam.Clone()
		c.Connected = teamObj.Connected
		objs = append(objs, apply.Imported{Object: c, Why: "connection recorded by import"})
	}
	for _, o := range orig.Objects {
		if o.Addr.Kind != model.KindSite || o.Addr.Team != team {
			continue
		}
		id, def, roles := im.siteIDs[o.Addr.Site], im.defaults[o.Addr.Site], im.roles[o.Addr.Site]
		if st := stored[o.Addr]; st != nil {
			// A stored site learns what the refresh found of it, so
			// that the next plan has nothing to record.
			if found := live.FoundSite(st, id, def, roles); st.PendingAction == "" && found != st {
				objs = append(objs, apply.Imported{Object: found, Why: "found on the platform; recorded by import"})
			}
			continue
		}
		if importer.StoredBefore(comb.Moves, o.Addr, isStored) {
			continue
		}
		objs = append(objs, apply.Imported{Object: live.FoundSite(o, id, def, roles), Why: declared})
	}
	for _, f := range im.res.Moved {
		if !importer.Stored(comb.Moves, f.Object.Addr, isStored) && !importer.Stored(comb.Moves, f.To, isStored) {
			objs = append(objs, apply.Imported{Object: f.Object, Why: im.why + "; declared as " + f.To.String() + " by a moved block"})
		}
	}
	byAddr := make(map[string]*model.Object, len(comb.Objects))
	for _, o := range comb.Objects {
		byAddr[o.Addr.String()] = o
	}
	for _, addr := range im.res.Addresses() {
		o := byAddr[addr.String()]
		if o == nil {
			return nil, fmt.Errorf("internal error: the imported file declares no %s", addr)
		}
		c := o.Clone()
		if addr.Kind == model.KindSite {
			c.DefaultAccess = im.defaults[addr.Site]
			if c.DefaultAccess != "" {
				c.RoleAccess = slices.Clone(im.roles[addr.Site])
			}
		}
		if s, ok := im.status[addr.String()]; ok && s != "" && (addr.Kind == model.KindMember || addr.Kind == model.KindGrant) {
			c.Status = s
		}
		objs = append(objs, apply.Imported{Object: c, Why: im.why})
	}
	return objs, nil
}

// platformTitle is a platform's name as its makers write it.
func platformTitle(name string) string {
	switch name {
	case "posthog":
		return "PostHog"
	case "piwikpro":
		return "Piwik PRO"
	case "plausible":
		return "Plausible"
	case "ga4":
		return "Google Analytics"
	case "matomo":
		return "Matomo"
	}
	return name
}

// findTeam is the team object called name, nil when none is declared.
func findTeam(cfg *model.Config, name string) *model.Object {
	for _, o := range cfg.Objects {
		if o.Addr.Kind == model.KindTeam && o.Addr.Team == name {
			return o
		}
	}
	return nil
}

func teamNames(cfg *model.Config) []string {
	var out []string
	for _, o := range cfg.Objects {
		if o.Addr.Kind == model.KindTeam {
			out = append(out, o.Addr.Team)
		}
	}
	return out
}

// sameDir reports whether two paths name the same directory.
func sameDir(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return os.SameFile(ia, ib)
}

// writeNewFile writes data to a file that must not exist yet.
func writeNewFile(name string, data []byte) error {
	exists := func() error {
		return errorf("%s already exists, and roster import never overwrites a file: move it aside, or name another file with --out", name)
	}
	failed := func(err error) error {
		return errorf("writing %s: %v", name, err)
	}
	if _, err := os.Lstat(name); err == nil {
		return exists()
	}
	// Written whole beside it, then linked into place: a kill leaves the
	// file whole or absent, never cut short (a hidden temporary file is
	// all that can remain), and a link never replaces a file that
	// appeared meanwhile.
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return failed(err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failed(err)
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, os.ErrExist) {
			return exists()
		}
		return failed(err)
	}
	return nil
}

// policyRules lists the rules the violations break, sorted, each once.
func policyRules(diags hcl.Diagnostics) []string {
	seen := map[string]bool{}
	for _, d := range diags {
		if rule, ok := policy.RuleOf(d); ok {
			seen[rule] = true
		}
	}
	out := slices.Sorted(maps.Keys(seen))
	if len(out) == 0 {
		out = append(out, "see the messages above")
	}
	return out
}

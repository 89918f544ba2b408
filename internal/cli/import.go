package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/diag"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/importer"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
)

func init() { extraCommands = append(extraCommands, (*app).importCommand) }

func (a *app) importCommand() *cobra.Command {
	c := newCommand("import TEAM", "Write declarations for a team's existing access, from its platform or a spreadsheet")
	c.Long = `import reads the access a team already has and writes the HCL declarations a
person would write for it, for every member, guest, group, grant and site the
configuration does not declare yet, to imported_TEAM.hcl in the configuration
directory (or --out FILE; it never overwrites a file). It records what it
declared in the state, with one evidence record each (action import), so the
next plan shows no change for it.

Without --csv the team must be connected: import reads its live access from
the platform's API. With --csv FILE it reads a spreadsheet instead, for any
team: a header row naming the columns email, site (empty for a team-wide
role), role, and optionally expires, ticket and reason, in any order.

People the configuration already declares are never rewritten: where their
access differs, import lists it for you to decide. If the policy would refuse
the declarations, import writes the file with a comment on each refused block,
records nothing, and exits 1.`
	c.ValidArgsFunction = completeOnce(a.teams)
	c.Args = func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return &exitCode{code: ExitError, msg: "name the one team to import: roster import TEAM (or roster import TEAM --csv FILE for a spreadsheet)"}
		}
		return nil
	}
	var (
		out, csvFile, actor string
		lockTimeout         time.Duration
	)
	c.Flags().StringVar(&out, "out", "", "write the declarations to FILE (default: imported_TEAM.hcl in the configuration directory)")
	c.Flags().StringVar(&csvFile, "csv", "", "read the access from a CSV sheet instead of the platform")
	c.Flags().StringVar(&actor, "actor", "", "who imports, for the evidence (default: $ROSTER_ACTOR, $GITHUB_ACTOR, $USER)")
	c.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return a.runImport(ctx, args[0], out, csvFile, actor, lockTimeout)
	}
	return c
}

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

func (a *app) runImport(ctx context.Context, team, out, csvFile, actor string, lockTimeout time.Duration) error {
	if err := checkSigner(); err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	now, err := a.now()
	if err != nil {
		return err
	}
	teamObj := findTeam(cfg.Config, team)
	if to, ok := importer.MovedTeam(cfg.Config.Moves, team); ok && teamObj == nil {
		fmt.Fprintf(a.stderr, "Note: a moved block renames team %s to %s; importing into %s.\n", team, to, to)
		team, teamObj = to, findTeam(cfg.Config, to)
	}
	if teamObj == nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("team %q is not declared; declare it first with a team block (its platform, and a connection block to import from the platform). Declared teams: %s", team, model.QuoteList(teamNames(cfg.Config)))}
	}
	plat := cfg.Config.Platforms[teamObj.Platform]
	if plat == nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("team %s: platform %q is not known", team, teamObj.Platform)}
	}
	connected := teamObj.Decl != nil && teamObj.Decl.Connection != nil
	var sheet []byte
	if csvFile != "" {
		sheet, err = fsx.ReadFile(ctx, csvFile, maxSheet)
		if err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("reading the sheet %s: %v", csvFile, err)}
		}
	} else if !connected {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("team %s is offline (it has no connection block), so roster cannot read its access: import it from a spreadsheet with --csv FILE, or add a connection block to the team", team)}
	}

	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	lock, err := st.Lock(ctx, "import", lockTimeout)
	if err != nil {
		return storeError(err)
	}
	defer lock.Unlock()
	snap, err := a.snapshot(ctx, st)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(a.dir(), "imported_"+team+".hcl")
	}
	if done, err := a.finishPending(ctx, st, out); done || err != nil {
		return err
	}
	stamp := time.Now().UTC().Format(time.RFC3339)

	var im *imported
	if csvFile != "" {
		im, err = a.importSheet(csvFile, sheet, team, plat, connected, cfg, snap, now, stamp)
	} else {
		im, err = a.importLive(ctx, cfg, snap, team, plat, stamp)
	}
	if err != nil {
		return err
	}
	res := im.res
	what := "platform"
	if csvFile != "" {
		what = "sheet"
	}
	if len(res.Drift) > 0 {
		fmt.Fprintf(a.stdout, "Declared differently (import never rewrites declarations: if the %s is right, edit them; otherwise roster plan puts it back):\n", what)
		for _, d := range res.Drift {
			fmt.Fprintf(a.stdout, "  %s\n", d)
		}
		fmt.Fprintln(a.stdout)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintln(a.stdout, "Not imported:")
		for _, s := range res.Skipped {
			fmt.Fprintf(a.stdout, "  %s\n", s)
		}
		fmt.Fprintln(a.stdout)
	}
	if res.Empty() {
		fmt.Fprintln(a.stdout, "Nothing to import.")
		if !im.record {
			return nil
		}
		// What the refresh found of the team and its sites, and people
		// found under an old email, are still recorded, so that the
		// next plan has nothing left to record.
		objs, err := importedObjects(im, cfg.Config, cfg.Config, snap, teamObj)
		if err != nil || len(objs) == 0 {
			return err
		}
		r, err := apply.Import(ctx, st, snap, objs, a.meta(&plan.Plan{}, &applyFlags{actor: actor}))
		if err != nil {
			return storeOrExit(err)
		}
		recorded := make([]*model.Object, len(objs))
		for i, o := range objs {
			recorded[i] = o.Object
		}
		fmt.Fprintf(a.stdout, "Recorded %s: %s. Evidence: %d records, head %s.\n", plural(r.Applied, "object", "objects"), importer.Recorded(recorded, csvFile == ""), r.Records, r.Head)
		return nil
	}

	if _, err := os.Lstat(out); err == nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("%s already exists, and roster import never overwrites a file: move it aside, or name another file with --out", out)}
	}
	inDir := sameDir(filepath.Dir(out), a.dir()) && strings.HasSuffix(out, ".hcl")
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
		return &exitCode{code: ExitError, msg: fmt.Sprintf("the declarations for team %s would make %s %s, larger than %d MiB, the limit of one configuration file; nothing was written or recorded. Import the %s in parts (split it into several files, each imported with its own --out FILE)", team, out, fsx.Size(int64(len(src))), config.MaxFileSize>>20, what)}
	}
	srcs = append(srcs, config.Source{Name: name, Data: src})
	comb := config.LoadSources(srcs)
	if comb.Diags.HasErrors() || comb.Config == nil {
		fmt.Fprintf(a.stderr, "Error: the declarations import made for team %s do not load with the configuration, so nothing was written. This is a bug in roster; please report it with the messages below.\n\n", team)
		return &diagError{diags: comb.Diags, files: comb.Files}
	}
	pdiags := policy.Check(comb.Config, now)
	if pdiags.HasErrors() {
		notes := importer.Annotate(src, name, pdiags)
		src = res.HCL(im.header, notes)
		srcs[len(srcs)-1].Data = src
		comb = config.LoadSources(srcs)
		pdiags = policy.Check(comb.Config, now)
		if err := writeNewFile(out, src); err != nil {
			return err
		}
		var errs hcl.Diagnostics
		for _, d := range pdiags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d)
			}
		}
		diag.WriteText(a.stderr, errs, comb.Files)
		fmt.Fprintln(a.stderr)
		fmt.Fprintf(a.stdout, "Wrote %s: %s.\n", out, res.Summary())
		fmt.Fprintf(a.stdout, "The policy refuses it (%s), so nothing was recorded in the state.\n", strings.Join(policyRules(errs), ", "))
		if len(notes) > 0 {
			fmt.Fprintf(a.stdout, "Each refused block in %s has a comment saying why: edit those blocks as the policy asks, then run roster plan; apply then records the access.\n", out)
		} else {
			fmt.Fprintf(a.stdout, "The policy's objections are to other files of the configuration (see above): fix them, then run roster plan; apply then records the access.\n")
		}
		return silentExit(ExitError)
	}
	a.warnSome(pdiags, comb.Files, 10)

	if !im.record {
		if err := writeNewFile(out, src); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Wrote %s: %s.\n", out, res.Summary())
		fmt.Fprintf(a.stdout, "Team %s is connected, so nothing from the sheet is recorded in the state: the next plan compares these declarations with the platform's live access, and apply adopts what matches.\n", team)
	} else {
		objs, err := importedObjects(im, comb.Config, cfg.Config, snap, teamObj)
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error() + "; nothing was written or recorded"}
		}
		// Pending file, state, then the file in place: a kill anywhere
		// leaves both or neither, or a pending file the next import
		// settles (import_pending.go).
		meta := a.meta(&plan.Plan{}, &applyFlags{actor: actor})
		if err := writePending(out, &pendingImport{serial: snap.Serial + 1, time: meta.Time, actor: meta.Actor, changes: len(objs), src: src}); err != nil {
			return err
		}
		r, err := apply.Import(ctx, st, snap, objs, meta)
		if err != nil {
			if ctx.Err() == nil { // else the commit's fate is settled by the next import
				os.Remove(pendingPath(out))
			}
			fmt.Fprintf(a.stderr, "Error: recording the import in the state failed, so %s was not written.\n", out)
			return storeOrExit(err)
		}
		if err := writeNewFile(out, src); err != nil {
			return err
		}
		os.Remove(pendingPath(out))
		fmt.Fprintf(a.stdout, "Wrote %s: %s.\n", out, res.Summary())
		fmt.Fprintf(a.stdout, "Recorded %s in the state. Evidence: %d records, head %s.\n", plural(r.Applied, "object", "objects"), r.Records, r.Head)
	}
	if !inDir {
		fmt.Fprintf(a.stdout, "Move %s into the configuration directory (%s) as a *.hcl file before you plan: roster reads only the *.hcl files there, and until then the plan removes the access it declares.\n", out, a.dir())
	} else {
		fmt.Fprintln(a.stdout, "Review the file, then run roster plan: it shows no change for what was imported.")
	}
	return nil
}

// importSheet reads a CSV sheet for team.
func (a *app) importSheet(file string, data []byte, team string, plat *model.Platform, connected bool, cfg *config.Result, snap *state.Snapshot, now time.Time, stamp string) (*imported, error) {
	res, notes, errs := importer.FromCSV(data, importer.SheetInput{
		Team: team, Platform: plat, Connected: connected, Declared: cfg.Config.Objects, Now: now, Moves: importer.Moves(cfg.Config.Moves, snap.Objects),
	})
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "Note: %s: %s\n", file, n)
	}
	if len(errs) > 0 {
		lines := map[int]bool{}
		for _, e := range errs {
			fmt.Fprintf(a.stderr, "Error: %s:%d: %s\n", file, e.Line, e.Msg)
			lines[e.Line] = true
		}
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("%s of %s %s not fit; nothing was written. Fix %s and run roster import again.",
			plural(len(lines), "line", "lines"), file, map[bool]string{true: "does", false: "do"}[len(lines) == 1], map[bool]string{true: "it", false: "them"}[len(lines) == 1])}
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
func (a *app) importLive(ctx context.Context, cfg *config.Result, snap *state.Snapshot, team string, plat *model.Platform, stamp string) (*imported, error) {
	teams, err := live.Teams(cfg.Config, model.WithMovedSites(snap.Objects, cfg.Config.Moves), os.Getenv, func(t string) bool { return t == team })
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: err.Error()}
	}
	if len(teams) != 1 {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("team %s is not connected", team)}
	}
	t := teams[0]
	mk := driverFactories[t.Platform.Name]
	if mk == nil {
		return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("team %s: roster has no driver for %s in this version", team, t.Platform.Name)}
	}
	drv := mk(t, driver.Options{UserAgent: "roster/" + Version, Log: debugLog(), Notify: a.notify})
	var newSites []importer.Site
	moves := importer.Moves(cfg.Config.Moves, snap.Objects)
	if sl, ok := drv.(importer.SiteLister); ok {
		sites, err := sl.LiveSites(ctx)
		if err != nil {
			return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("reading the sites of team %s: %v", team, err)}
		}
		newSites = importer.UndeclaredSites(team, t.Sites, moves, sites)
		for _, s := range newSites {
			t.Sites = append(t.Sites, &model.Object{Addr: model.SiteAddress(team, s.Label), RemoteID: s.RemoteID})
		}
	} else {
		fmt.Fprintf(a.stderr, "Note: roster cannot list the %s sites of team %s that the configuration does not declare; declare them by hand, then import again for the access on them.\n", platformTitle(plat.Name), team)
	}
	snaps, err := live.Refresh(ctx, teams, map[string]driver.Driver{team: drv}, 1)
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: err.Error()}
	}
	s := snaps[team]
	for _, n := range s.Notes {
		fmt.Fprintf(a.stderr, "Note: team %s: %s\n", team, n)
	}
	if slices.Contains(s.Invisible, model.KindMember) {
		fmt.Fprintf(a.stderr, "Note: %s's API cannot read team-wide roles, so team %s's members are not imported: declare them by hand, or import them from a spreadsheet with --csv FILE.\n", platformTitle(plat.Name), team)
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
		return &exitCode{code: ExitError, msg: fmt.Sprintf("%s already exists, and roster import never overwrites a file: move it aside, or name another file with --out", name)}
	}
	failed := func(err error) error {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("writing %s: %v", name, err)}
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
		err = tmp.Chmod(0o644)
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

// warnSome prints at most limit of the warnings among diags, and how many
// more there are: an import of thousands of guests without expiry would
// otherwise bury its result.
func (a *app) warnSome(diags hcl.Diagnostics, files map[string]*hcl.File, limit int) {
	var ws hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			ws = append(ws, d)
		}
	}
	if len(ws) > limit {
		a.warn(ws[:limit], files)
		fmt.Fprintf(a.stderr, "… and %s more (roster validate lists them all).\n\n", plural(len(ws)-limit, "warning", "warnings"))
		return
	}
	a.warn(ws, files)
}

// policyRules lists the rules the violations name ("Policy RULE: ..."),
// sorted, each once.
func policyRules(diags hcl.Diagnostics) []string {
	seen := map[string]bool{}
	for _, d := range diags {
		rest, ok := strings.CutPrefix(d.Summary, "Policy ")
		if !ok {
			continue
		}
		if rule, _, ok := strings.Cut(rest, ":"); ok {
			seen[rule] = true
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = append(out, "see the messages above")
	}
	return out
}

package runbook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// Item is one open runbook item: a change waiting for a person, or a
// follow-up task on a site.
type Item struct {
	Addr     model.Address
	Task     string // a follow-up task, "" for a change
	Change   string // create, update, delete or move; "" for a task
	Platform string
	// Title says in one line what to do; Steps say how.
	Title string
	Steps []string
	// Also are the other addresses this item closes: a guest's grants,
	// each waiting with the same new email, are one step (Merge).
	Also []model.Address
	// move is the person's old and new address of a move, "" otherwise.
	move string
	// to are the new addresses of a person's move (the item's and its
	// Also's): where the configuration declares the person now.
	to []model.Address
}

// Names reports whether arg (as `roster confirm` takes it: ADDRESS or
// ADDRESS#TASK) names the item: whether it is one of its Aliases.
func (it *Item) Names(arg string) bool {
	return slices.Contains(it.Aliases(), arg)
}

// Aliases are the args that name the item: its key (ADDRESS, or
// ADDRESS#TASK for a follow-up task) and, without a #, its address (every
// item at it) and, for a person's move, its old addresses (where the state
// keeps it waiting, as the runbook prints it) and its new ones (where the
// person is declared). Each is listed once, the key first.
func (it *Item) Aliases() []string {
	out := []string{it.Key()}
	add := func(a model.Address) {
		if s := a.String(); !strings.Contains(s, "#") && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(it.Addr)
	for _, a := range it.Also {
		add(a)
	}
	for _, a := range it.to {
		add(a)
	}
	return out
}

// Merge folds the items of one person's move into the first of them
// (sync.md, Renames: a rename is one step): each grant of a guest waits
// with the same new email, and the person changes it once. The others'
// addresses go to its Also; Expand lists them again for confirm.
func Merge(items []Item) []Item {
	var out []Item
	if len(items) > 0 {
		out = make([]Item, 0, len(items)) // one allocation for 100,000 items
	}
	first := map[string]int{}
	for _, it := range items {
		if it.move == "" {
			out = append(out, it)
			continue
		}
		if i, ok := first[it.move]; ok {
			out[i].Also = append(out[i].Also, it.Addr)
			out[i].to = append(out[i].to, it.to...)
			continue
		}
		first[it.move] = len(out)
		out = append(out, it)
	}
	for i := range out {
		if it := &out[i]; len(it.Also) > 0 {
			names := make([]string, 0, len(it.Also)+1)
			names = append(names, it.Addr.String())
			for _, a := range it.Also {
				names = append(names, a.String())
			}
			last := len(it.Steps) - 1
			it.Steps = append(it.Steps[:last:last], fmt.Sprintf("One change of email moves all their access: %s.", strings.Join(names, ", ")), it.Steps[last])
		}
	}
	return out
}

// Expand is items with one item more for each address in an item's Also,
// as Merge found them: what `roster confirm` records.
func Expand(items []Item) []Item {
	out := items
	for _, it := range items {
		for _, a := range it.Also {
			if len(out) == len(items) {
				out = append([]Item(nil), items...)
			}
			out = append(out, Item{Addr: a, Change: it.Change, Platform: it.Platform, Title: it.Title})
		}
	}
	return out
}

// Key is how `roster confirm` names the item: ADDRESS, or ADDRESS#TASK.
func (it *Item) Key() string {
	if it.Task != "" {
		return it.Addr.String() + "#" + it.Task
	}
	return it.Addr.String()
}

// ForChange is the item of a change: cur is the object as it is (nil for a
// creation), next as it should be (nil for a deletion).
func ForChange(platform string, action string, cur, next *model.Object) Item {
	o := next
	if o == nil {
		o = cur
	}
	it := Item{Addr: o.Addr, Change: action, Platform: platform}
	if cur != nil {
		// The state keeps a waiting change where the access is: a
		// pending move at the old address, and a change of what that
		// move carries there too.
		it.Addr = cur.Addr
	}
	if action == "move" && cur != nil && next != nil && cur.Addr.Email != "" {
		it.move = platform + "\x00" + cur.Addr.Team + "\x00" + cur.Addr.Email + "\x00" + next.Addr.Team + "\x00" + next.Addr.Email
		if next.Addr != cur.Addr {
			it.to = []model.Address{next.Addr}
		}
	}
	it.Title, it.Steps = changeSteps(platform, action, cur, next)
	it.Steps = append(it.Steps, fmt.Sprintf("Record that it is done: roster confirm %s", it.Key()))
	return it
}

// ForTask is the item of a follow-up task on a site.
func ForTask(platform string, site model.Address, task, text string) Item {
	it := Item{Addr: site, Task: task, Platform: platform, Title: text}
	it.Steps = taskSteps(platform, site.Site, task)
	it.Steps = append(it.Steps, fmt.Sprintf("Record that it is done: roster confirm %s", it.Key()))
	return it
}

func who(o *model.Object) string {
	if o.Addr.Group != "" {
		return "the group " + o.Addr.Group
	}
	return o.Addr.Email
}

func changeSteps(platform, action string, cur, next *model.Object) (string, []string) {
	o := next
	if o == nil {
		o = cur
	}
	a := o.Addr
	if action == "move" && cur != nil && next != nil && a.Email != "" {
		return emailSteps(platform, cur.Addr.Email, a.Email)
	}
	var role, oldRole string
	if next != nil {
		role = next.Role
	}
	if cur != nil {
		oldRole = cur.Role
	}
	switch a.Kind {
	case model.KindTeam:
		return teamSteps(platform, cur, next)
	case model.KindSite:
		return fmt.Sprintf("Nothing to do on %s for %s: roster records the site in its state only", platformName(platform), a), nil
	case model.KindGroup:
		return groupSteps(platform, action, cur, next)
	case model.KindMember:
		switch platform {
		case "plausible":
			login := "Log in to Plausible as an owner or admin of the team (only an owner can invite, promote or remove an owner)."
			nav := fmt.Sprintf("Open the account menu, choose the team %q, then Team Settings → General (/settings/team/general).", a.Team)
			switch action {
			case "create":
				return fmt.Sprintf("Invite %s to the team %s as %s", a.Email, a.Team, role), []string{login, nav,
					fmt.Sprintf("Enter %s, pick the role %s and click Invite; Plausible emails the invitation at once.", a.Email, Title(role)),
					fmt.Sprintf("Check that %s is listed as invited with the role %s. The invitation expires after 48 hours: send it again if it is not accepted by then.", a.Email, Title(role))}
			case "update":
				return fmt.Sprintf("Change %s's team role from %s to %s", a.Email, oldRole, role), []string{login, nav,
					fmt.Sprintf("Find %s, click the role %s and choose %s. The change takes effect immediately.", a.Email, Title(oldRole), Title(role)),
					fmt.Sprintf("Check that %s now shows the role %s.", a.Email, Title(role))}
			default:
				return fmt.Sprintf("Remove %s from the team %s", a.Email, a.Team), []string{login, nav,
					fmt.Sprintf("Find %s, click the role %s and choose Remove member (the last owner cannot be removed).", a.Email, Title(oldRole)),
					fmt.Sprintf("Check that %s is no longer listed, neither as a member nor under Guests.", a.Email)}
			}
		case "posthog":
			login := "Log in to PostHog as an organization owner or admin (only an owner can make or touch owners)."
			nav := "Open Settings → Organization → Members."
			levels := "member, admin or owner"
			switch action {
			case "create":
				return fmt.Sprintf("Invite %s to the organization as %s", a.Email, role), []string{login, nav,
					fmt.Sprintf("Click Invite users, enter %s, choose the level %s (%s) and send the invitation.", a.Email, Title(role), levels),
					fmt.Sprintf("Check that the invitation for %s is listed; it expires after 3 days.", a.Email)}
			case "update":
				return fmt.Sprintf("Change %s's organization level from %s to %s", a.Email, oldRole, role), []string{login, nav,
					fmt.Sprintf("Find %s and change the level from %s to %s.", a.Email, Title(oldRole), Title(role)),
					fmt.Sprintf("Check that %s shows the level %s.", a.Email, Title(role))}
			default:
				return fmt.Sprintf("Remove %s from the organization", a.Email), []string{login, nav,
					fmt.Sprintf("Find %s, open the menu beside them and choose Remove from organization.", a.Email),
					"Revoke their personal API keys if they had any, and transfer what they own (insights, dashboards)."}
			}
		case "piwikpro":
			login := "Log in to Piwik PRO as an owner of the account."
			switch action {
			case "create":
				steps := []string{login, "Go to Menu > Administration > Users and click Invite a user.",
					fmt.Sprintf("Enter %s and click Send invitation; the user exists at once, with no access until granted.", a.Email)}
				if role == "owner" {
					steps = append(steps, fmt.Sprintf("Open Menu > Administration > Users > %s > Profile and turn on Owner access.", a.Email))
				}
				return fmt.Sprintf("Invite %s to the account as %s", a.Email, role), append(steps, fmt.Sprintf("Check that %s is listed under Users.", a.Email))
			case "update":
				toggle := "turn on Owner access"
				if role != "owner" {
					toggle = "turn off Owner access, then set their site and app permissions (Menu > Administration > Sites & apps > Permissions)"
				}
				return fmt.Sprintf("Change %s's account level from %s to %s", a.Email, oldRole, role), []string{login,
					fmt.Sprintf("Go to Menu > Administration > Users > %s > Profile and %s.", a.Email, toggle),
					fmt.Sprintf("Check the level shown for %s.", a.Email)}
			default:
				return fmt.Sprintf("Remove %s from the account", a.Email), []string{login,
					fmt.Sprintf("Go to Menu > Administration > Users, pick %s, click Delete and confirm.", a.Email),
					fmt.Sprintf("Check that %s is no longer listed.", a.Email)}
			}
		case "matomo":
			return matomoMember(action, a, oldRole, role)
		}
		if platform == "ga4" {
			return ga4Steps(action, a, "the account", "Admin > Account > Account access management", oldRole, role)
		}
		return genericMember(platform, action, a, oldRole, role)
	case model.KindGrant:
		return grantSteps(platform, action, cur, next)
	}
	return "", nil
}

// ga4Roles words a ga4 profile role as the admin UI shows it: the role,
// and the data restrictions ticked (ga4.md, Roles [H-ROLES]).
func ga4Roles(role string) string {
	base, rest, _ := strings.Cut(role, "_no_")
	var restrictions []string
	if rest != "" {
		for _, r := range strings.Split("no_"+rest, "_no_") {
			switch strings.TrimPrefix(r, "no_") {
			case "cost":
				restrictions = append(restrictions, "No Cost Metrics")
			case "revenue":
				restrictions = append(restrictions, "No Revenue Metrics")
			}
		}
	}
	names := map[string]string{"viewer": "Viewer", "analyst": "Analyst", "editor": "Editor", "admin": "Administrator"}
	name, ok := names[base]
	if !ok {
		return "the role " + role
	}
	out := "the role " + name
	if len(restrictions) > 0 {
		out += " with the data restrictions " + strings.Join(restrictions, " and ")
	} else {
		out += " with no data restrictions"
	}
	return out
}

// ga4Steps are the admin UI's steps for an access binding at where (the
// account or a property), reached through nav (ga4.md, What a reconciler
// must do: a binding is immediate; no notification is sent by the API).
func ga4Steps(action string, a model.Address, where, nav, oldRole, role string) (string, []string) {
	login := "Sign in to Google Analytics (analytics.google.com) as an Administrator of the account."
	open := fmt.Sprintf("Open %s.", nav)
	switch action {
	case "create":
		return fmt.Sprintf("Give %s %s on %s", a.Email, role, where), []string{login, open,
			fmt.Sprintf("Click + then Add users, enter %s (it must be a Google account: if Google Analytics refuses the address, ask the person to create a Google account for it first), choose %s, and click Add.", a.Email, ga4Roles(role)),
			fmt.Sprintf("Check that %s is listed with %s.", a.Email, ga4Roles(role))}
	case "update":
		return fmt.Sprintf("Change %s's role on %s from %s to %s", a.Email, where, oldRole, role), []string{login, open,
			fmt.Sprintf("Click %s, choose %s, and save.", a.Email, ga4Roles(role)),
			fmt.Sprintf("Check that %s is listed with %s.", a.Email, ga4Roles(role))}
	}
	return fmt.Sprintf("Remove %s's access to %s", a.Email, where), []string{login, open,
		fmt.Sprintf("Open the menu beside %s and choose Remove access.", a.Email),
		fmt.Sprintf("Check that %s is no longer listed there (access through user groups or the organization is not in this list).", a.Email)}
}

func genericMember(platform, action string, a model.Address, oldRole, role string) (string, []string) {
	name := platformName(platform)
	switch action {
	case "create":
		return fmt.Sprintf("Give %s the team role %s on %s", a.Email, role, name), []string{
			fmt.Sprintf("In %s's user management for the team %s, add %s with the role %s.", name, a.Team, a.Email, role),
			fmt.Sprintf("Check that %s is listed with the role %s.", a.Email, role)}
	case "update":
		return fmt.Sprintf("Change %s's team role from %s to %s on %s", a.Email, oldRole, role, name), []string{
			fmt.Sprintf("In %s's user management for the team %s, change %s's role from %s to %s.", name, a.Team, a.Email, oldRole, role),
			fmt.Sprintf("Check that %s shows the role %s.", a.Email, role)}
	}
	return fmt.Sprintf("Remove %s from the team %s on %s", a.Email, a.Team, name), []string{
		fmt.Sprintf("In %s's user management for the team %s, remove %s.", name, a.Team, a.Email),
		fmt.Sprintf("Check that %s is no longer listed.", a.Email)}
}

func grantSteps(platform, action string, cur, next *model.Object) (string, []string) {
	o := next
	if o == nil {
		o = cur
	}
	a := o.Addr
	var role, oldRole string
	if next != nil {
		role = next.Role
	}
	if cur != nil {
		oldRole = cur.Role
	}
	holder := who(o)
	switch platform {
	case "matomo":
		var caps []string
		if next != nil {
			caps = next.Capabilities
		}
		return matomoGrant(action, holder, a.Site, role, caps)
	case "plausible":
		login := "Log in to Plausible as the site's owner or a team owner or admin."
		nav := fmt.Sprintf("Go to the site %s, then Site Settings → People.", a.Site)
		switch action {
		case "create":
			return fmt.Sprintf("Invite %s to %s as a guest %s", holder, a.Site, role), []string{login, nav,
				fmt.Sprintf("Click Invite Member, enter %s, select the role %s and click Send Invitation.", holder, Title(role)),
				fmt.Sprintf("Check that %s is listed as invited; the invitation expires after 48 hours.", holder)}
		case "update":
			return fmt.Sprintf("Change %s's role on %s from %s to %s", holder, a.Site, oldRole, role), []string{login, nav,
				fmt.Sprintf("Find %s, click the role dropdown beside them and select %s; the change takes effect immediately.", holder, Title(role)),
				fmt.Sprintf("Have %s log in and confirm that the new role works as expected.", holder)}
		default:
			return fmt.Sprintf("Remove %s from %s", holder, a.Site), []string{login, nav,
				fmt.Sprintf("Click Remove next to %s and confirm.", holder),
				fmt.Sprintf("Check that %s no longer sees %s in their site list.", holder, a.Site)}
		}
	case "posthog":
		login := "Log in to PostHog as an organization admin or owner, or a project admin."
		nav := fmt.Sprintf("Switch to the project %s, then open Settings → Project → Access control.", a.Site)
		switch action {
		case "create", "update":
			return fmt.Sprintf("Give %s the project role %s on %s", holder, role, a.Site), []string{login, nav,
				fmt.Sprintf("Add %s (or change their level) and choose %s.", holder, Title(role)),
				fmt.Sprintf("Check that %s is listed with %s.", holder, Title(role))}
		default:
			return fmt.Sprintf("Remove %s's access to %s", holder, a.Site), []string{login, nav,
				fmt.Sprintf("Remove %s's row (set their access to none).", holder),
				fmt.Sprintf("Check that %s no longer has access to %s.", holder, a.Site)}
		}
	case "piwikpro":
		login := "Log in to Piwik PRO as an owner, or a user with the permission manage on the app."
		kind := "Users"
		if a.Group != "" {
			kind = "Groups"
		}
		nav := fmt.Sprintf("Go to Menu > Administration > Sites & apps, select %s, click Permissions and pick %s.", a.Site, kind)
		level := strings.ReplaceAll(role, "_", " & ")
		switch action {
		case "create", "update":
			return fmt.Sprintf("Give %s the permission %s on %s", holder, role, a.Site), []string{login, nav,
				fmt.Sprintf("Set %s's access level to %s.", holder, Title(level)),
				fmt.Sprintf("Check that %s is listed with %s.", holder, Title(level))}
		default:
			return fmt.Sprintf("Remove %s's permission on %s", holder, a.Site), []string{login, nav,
				fmt.Sprintf("Set %s's access level to No access.", holder),
				fmt.Sprintf("Check that %s shows No access.", holder)}
		}
	}
	if platform == "ga4" && a.Group == "" {
		return ga4Steps(action, a, "the property "+a.Site, fmt.Sprintf("Admin, pick the property %s, then Property > Property access management", a.Site), oldRole, role)
	}
	name := platformName(platform)
	switch action {
	case "create", "update":
		return fmt.Sprintf("Give %s the role %s on %s", holder, role, a.Site), []string{
			fmt.Sprintf("In %s, open the site %s's user management and give %s the role %s.", name, a.Site, holder, role),
			fmt.Sprintf("Check that %s is listed with the role %s.", holder, role)}
	}
	return fmt.Sprintf("Remove %s's access to %s", holder, a.Site), []string{
		fmt.Sprintf("In %s, open the site %s's user management and remove %s.", name, a.Site, holder),
		fmt.Sprintf("Check that %s is no longer listed.", holder)}
}

func groupSteps(platform, action string, cur, next *model.Object) (string, []string) {
	o := next
	if o == nil {
		o = cur
	}
	g := o.Addr.Group
	nav := "Log in to Piwik PRO as an owner and go to Menu > Administration > Users > Groups."
	if platform != "piwikpro" {
		nav = fmt.Sprintf("Open %s's group management.", platformName(platform))
	}
	switch action {
	case "create":
		return fmt.Sprintf("Create the group %s with %s", g, strings.Join(next.Members, ", ")), []string{nav,
			fmt.Sprintf("Create a group named %s and add %s.", g, strings.Join(next.Members, ", "))}
	case "update":
		return fmt.Sprintf("Set the members of the group %s to %s", g, strings.Join(next.Members, ", ")), []string{nav,
			fmt.Sprintf("Open the group %s and make its members exactly: %s.", g, strings.Join(next.Members, ", "))}
	}
	return fmt.Sprintf("Delete the group %s", g), []string{nav, fmt.Sprintf("Delete the group %s.", g)}
}

func teamSteps(platform string, cur, next *model.Object) (string, []string) {
	if next == nil {
		return fmt.Sprintf("Nothing to do on %s for %s: roster forgets the team in its state only", platformName(platform), cur.Addr), nil
	}
	if cur == nil {
		// roster adopts a team that exists; its settings have no API on
		// any platform, so a person checks them (sync.md).
		what := teamSettings(next)
		if len(what) == 0 {
			return fmt.Sprintf("Nothing to do on %s for %s: roster records the team in its state only", platformName(platform), next.Addr), nil
		}
		title := fmt.Sprintf("Check the settings of the team %s and set them where they differ: %s", next.Addr.Team, strings.Join(what, "; "))
		return title, teamSettingsSteps(platform, next.Addr.Team, true, what)
	}
	var what []string
	if cur.DisplayName != next.DisplayName {
		what = append(what, fmt.Sprintf("set the name to %q", next.DisplayName))
	}
	if !boolEq(cur.Require2FA, next.Require2FA) {
		if next.Require2FA != nil && *next.Require2FA {
			what = append(what, "enforce two-factor authentication for all members")
		} else {
			what = append(what, "stop enforcing two-factor authentication")
		}
	}
	if cur.SSO != next.SSO {
		what = append(what, fmt.Sprintf("set single sign-on enforcement to %q", next.SSO))
	}
	title := fmt.Sprintf("Change the settings of the team %s: %s", next.Addr.Team, strings.Join(what, "; "))
	return title, teamSettingsSteps(platform, next.Addr.Team, false, what)
}

// teamSettings are the settings a team is declared with, as a person
// checks them; those left to the platform's default are not named.
func teamSettings(o *model.Object) []string {
	var what []string
	if o.DisplayName != "" {
		what = append(what, fmt.Sprintf("the name is %q", o.DisplayName))
	}
	if o.Require2FA != nil && *o.Require2FA {
		what = append(what, "two-factor authentication is enforced for all members")
	}
	if o.SSO != "" {
		what = append(what, fmt.Sprintf("single sign-on enforcement is %q", o.SSO))
	}
	return what
}

// teamSettingsSteps are the steps to a team's settings on platform, then
// to make the changes what, or with check to check the settings what and
// set those that differ.
func teamSettingsSteps(platform, team string, check bool, what []string) []string {
	do, shows := "Make the change: "+strings.Join(what, "; "), "the new values"
	if check {
		do, shows = "Check each setting and set it where it differs: "+strings.Join(what, "; "), "these values"
	}
	switch platform {
	case "plausible":
		return []string{"Log in to Plausible as an owner of the team.",
			fmt.Sprintf("Open the account menu, choose the team %q, then Team Settings (General for the name, Security for two-factor authentication and single sign-on).", team),
			do + ".", "Check that the settings page shows " + shows + "."}
	case "posthog":
		return []string{"Log in to PostHog as an organization owner.", "Open Settings → Organization.", do + "."}
	case "piwikpro":
		return []string{"Log in to Piwik PRO as an owner.", "Open Menu > Administration > Account settings.", do + "."}
	case "ga4":
		return []string{"Sign in to Google Analytics as an Administrator of the account.", "Open Admin > Account > Account details.", do + "."}
	case "matomo":
		return matomoTeam(do)
	}
	if check {
		return []string{fmt.Sprintf("In %s's team settings, check each setting and set it where it differs: %s.", platformName(platform), strings.Join(what, "; "))}
	}
	return []string{fmt.Sprintf("In %s's team settings: %s.", platformName(platform), strings.Join(what, "; "))}
}

func taskSteps(platform, site, task string) []string {
	switch task {
	case "rotate_api_key":
		if platform == "plausible" {
			return []string{
				"Log in to Plausible as the site's owner or an admin.",
				fmt.Sprintf("Go to %s's Site Settings → Visibility, scroll to the Stats API section and click Regenerate API Key.", site),
				"Copy the new key and update every integration that used the old one (dashboards, data pipelines, reporting scripts, BI tools).",
				"Check that calls with the old key now fail, and note the rotation in the API key inventory."}
		}
		return []string{
			fmt.Sprintf("Regenerate every API key of %s that the person could read, in %s's settings.", site, platformName(platform)),
			"Update the integrations that used the old keys, and check that the old keys fail."}
	case "review_shared_links":
		if platform == "plausible" {
			return []string{
				"Log in to Plausible as the site's owner or an admin.",
				fmt.Sprintf("Go to %s's Site Settings → Visibility → Shared links.", site),
				"Revoke (trash icon) every shared link the person created or that should no longer be public.",
				"Check that the revoked links no longer open the dashboard."}
		}
		return []string{
			fmt.Sprintf("Open %s's shared links or public dashboards in %s.", site, platformName(platform)),
			"Revoke those the person created or that should no longer be shared."}
	}
	return nil
}

func boolEq(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Title capitalises a role for the UI ("editor" → "Editor").
func Title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func platformName(p string) string {
	switch p {
	case "plausible":
		return "Plausible"
	case "posthog":
		return "PostHog"
	case "piwikpro":
		return "Piwik PRO"
	case "ga4":
		return "Google Analytics"
	case "matomo":
		return "Matomo"
	}
	return p
}

// emailSteps is the manual step of a person's move (sync.md, Renames): no
// platform API changes another user's email, so the person changes it
// in their own account settings. Removing and inviting them again is
// never the way: it drops their access until they accept.
func emailSteps(platform, from, to string) (string, []string) {
	where := "their own account settings"
	switch platform {
	case "posthog":
		where = "PostHog's account settings (the avatar menu → Account settings → Details, field Email)"
	case "plausible":
		where = "Plausible's account settings (the account menu → Account Settings, Email address → Change email)"
	case "piwikpro":
		where = "Piwik PRO's user profile (the account menu → Profile; an owner may also change it under Menu > Administration > Users)"
	case "matomo":
		where = "Matomo's personal settings (Administration → Personal → Settings, field Email, confirmed with their password; a superuser may also change it under Administration → System → Users → edit the user, with the superuser's own password)"
	}
	return fmt.Sprintf("Ask %s to change their email to %s", from, to), []string{
		fmt.Sprintf("%s (not an admin: no API changes another person's email) logs in as %s and changes the email in %s to %s, then confirms it from the new mailbox if asked.", from, from, where, to),
		"Do not remove and invite them again: that cuts their access until they accept, and loses what they own.",
		fmt.Sprintf("On a connected team, roster's next refresh closes this step by itself once the platform shows %s.", to),
	}
}

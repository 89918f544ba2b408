package runbook

import (
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/model"
)

// Matomo's steps follow its UI (Matomo 4.12 to 5): users are managed under
// Administration (the gear icon) → System → Users, where a superuser
// edits a user's Basic info, Permissions (a role and capabilities per
// website) and Superuser access; changing superuser access or an email
// asks for the acting superuser's password (docs/apis/matomo.md).

const matomoLogin = "Log in to Matomo as a superuser."
const matomoUsers = "Open Administration (the gear icon) → System → Users."

func matomoMember(action string, a model.Address, oldRole, role string) (string, []string) {
	edit := fmt.Sprintf("Find %s in the list and click its edit (pencil) button.", a.Email)
	switch action {
	case "create":
		steps := []string{matomoLogin, matomoUsers,
			fmt.Sprintf("Click Invite a new user, enter %s as both username and email, pick a first website, and send the invitation.", a.Email)}
		if role == "superuser" {
			steps = append(steps, "Once the user exists, "+strings.ToLower(edit[:1])+edit[1:],
				"Open the Superuser access tab, turn on Superuser access and confirm with your password.")
		}
		return fmt.Sprintf("Invite %s to Matomo as %s", a.Email, role), append(steps,
			fmt.Sprintf("Check that %s is listed with the role %s.", a.Email, roleWord(role)))
	case "update":
		toggle := "turn on Superuser access and confirm with your password"
		if role != "superuser" {
			toggle = "turn off Superuser access and confirm with your password; the user then has no access at all until their website permissions are set (roster sets its grants on the next apply)"
		}
		return fmt.Sprintf("Change %s's Matomo role from %s to %s", a.Email, oldRole, role), []string{matomoLogin, matomoUsers, edit,
			"Open the Superuser access tab and " + toggle + ".",
			fmt.Sprintf("Check that %s is listed with the role %s.", a.Email, roleWord(role))}
	}
	return fmt.Sprintf("Remove %s from Matomo", a.Email), []string{matomoLogin, matomoUsers, edit,
		"If they are a superuser, open the Superuser access tab, turn it off and confirm with your password (the last superuser cannot be removed).",
		fmt.Sprintf("Back in the list, tick %s, choose Bulk actions → Remove user and confirm. Their dashboards, scheduled reports and tokens are deleted with them.", a.Email),
		fmt.Sprintf("Check that %s is no longer listed.", a.Email)}
}

func roleWord(role string) string {
	if role == "superuser" {
		return "Superuser"
	}
	return "of a user (access per website)"
}

func matomoGrant(action string, holder, site, role string, caps []string) (string, []string) {
	nav := fmt.Sprintf("Find %s, click the edit (pencil) button and open the Permissions tab.", holder)
	switch action {
	case "create", "update":
		steps := []string{matomoLogin, matomoUsers, nav,
			fmt.Sprintf("Give the website %s the role %s.", site, Title(role))}
		what := Title(role)
		if len(caps) > 0 {
			steps = append(steps, fmt.Sprintf("In the Capabilities column for %s, add %s, and remove any other.", site, strings.Join(caps, ", ")))
			what += " with " + strings.Join(caps, ", ")
		}
		return fmt.Sprintf("Give %s the role %s on %s", holder, what, site), append(steps,
			fmt.Sprintf("Check that %s shows %s on %s.", holder, what, site))
	}
	return fmt.Sprintf("Remove %s's access to %s", holder, site), []string{matomoLogin, matomoUsers, nav,
		fmt.Sprintf("Set the role on %s to No access (the user keeps their account).", site),
		fmt.Sprintf("Check that %s no longer has access to %s.", holder, site)}
}

// matomoTeam are the steps to Matomo's team settings, then do (a sentence
// without its full stop).
func matomoTeam(do string) []string {
	return []string{matomoLogin,
		"Open Administration (the gear icon) → System → General settings, section TwoFactorAuth (two-factor authentication), or the setting named.",
		do + ", save, and confirm with your password."}
}

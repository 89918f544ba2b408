package ops

import (
	"cmp"
	"os"
	"os/exec"
	"strings"
)

// envActor is who acts, when --actor is not given: $ROSTER_ACTOR,
// $GITHUB_ACTOR, $USER (schema/cli.md).
func envActor() string {
	return cmp.Or(namedActor(), "unknown")
}

// namedActor is envActor without its fallback: "" when no variable names
// anyone.
func namedActor() string {
	return cmp.Or(os.Getenv("ROSTER_ACTOR"), os.Getenv("GITHUB_ACTOR"), os.Getenv("USER"))
}

// envApprovers reads $ROSTER_APPROVERS, a comma list.
func envApprovers() []string { return approverList(os.Getenv("ROSTER_APPROVERS")) }

// approverList splits a comma list of approvers, each trimmed, empty
// ones left out.
func approverList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// envCommit is $GITHUB_SHA, else `git rev-parse HEAD` of dir, else "".
func envCommit(dir string) string {
	if s := os.Getenv("GITHUB_SHA"); s != "" {
		return s
	}
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = dir
	cmd.Stderr = nil
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// envChangeRequest builds the pull request's URL from GitHub's variables
// when $GITHUB_REF is refs/pull/N/merge.
func envChangeRequest() string {
	return changeRequestURL(os.Getenv("GITHUB_REF"), os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY"))
}

// changeRequestURL is SERVER/REPO/pull/N for a ref refs/pull/N/merge
// whose N is a pull request's number (digits only), else "".
func changeRequestURL(ref, server, repo string) string {
	rest, ok := strings.CutPrefix(ref, "refs/pull/")
	if !ok {
		return ""
	}
	n, ok := strings.CutSuffix(rest, "/merge")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return ""
	}
	if server == "" || repo == "" {
		return ""
	}
	return strings.TrimRight(server, "/") + "/" + repo + "/pull/" + n
}

package report

import (
	"bytes"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReviewHTMLScreenshot renders an attested review in headless
// Chromium (Debian's chromium package) and checks that a page came out:
// a PNG of the page's width with ink on it. The PNG is left in the test's
// output folder (ROSTER_SCREENSHOT_DIR, else a temporary one) to look at.
// Skipped without Chromium, and under -short.
func TestReviewHTMLScreenshot(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starting Chromium takes seconds")
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium): no screenshot")
	}
	doc := testReview()
	doc.Attestation = &Attestation{Reviewer: "officer@acme.com", Time: "2026-11-24T11:00:00Z", Format: "html", Digest: PlaceholderDigest}
	page := render(t, func(w io.Writer) error { return WriteReviewHTML(w, doc) })
	sealed, digest, ok := SealAttested(page)
	if !ok || !CheckAttested(sealed, digest) {
		t.Fatal("the attested page does not show its digest")
	}
	dir := os.Getenv("ROSTER_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	html := filepath.Join(dir, "review.html")
	shot := filepath.Join(dir, "review.png")
	os.Remove(shot)
	if err := os.WriteFile(html, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(), "--screenshot="+shot,
		"--window-size=1200,1800", "file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 {
		t.Fatalf("screenshot %v, want the window's width", b)
	}
	ink := 0
	for y := 0; y < 200; y++ {
		for x := 0; x < 1200; x += 3 {
			if r, g, b, _ := img.At(x, y).RGBA(); r < 0x8000 && g < 0x8000 && b < 0x8000 {
				ink++
			}
		}
	}
	if ink < 200 {
		t.Errorf("the top of the page is blank (%d dark pixels): the review did not render", ink)
	}
	t.Logf("rendered %s to %s", html, shot)
}

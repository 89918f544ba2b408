// Package mdtext writes text and code spans that GitHub's renderer shows as
// written: Text escapes a string so that it opens no markdown construct (no
// link, image, raw HTML, emphasis, table cell) and stays on one line, Code
// makes it an inline code span, and Printable shows control and invisible
// characters as escapes. The markdown plan (render), the access review
// (report) and the runbook (runbook) write their user text through it.
//
// "As written" is what cmark-gfm, GitHub's own renderer, shows; the
// gfmtest package checks it by running cmark-gfm.
package mdtext

// Package mdtext writes text and code spans that GitHub's renderer shows as
// written. Text escapes a string so that it opens no markdown construct (no
// link, image, raw HTML, emphasis, table cell) and stays on one line; an
// email is the exception, which GFM links to itself whatever the escapes.
// Line does the same for text that starts a line or a list item, where "- ",
// "1. " or four spaces would start a block; String is Text as a string;
// Code makes a string an inline code span; Printable shows control and
// invisible characters as escapes. The markdown plan (render), the access
// review and the evidence export (report) and the runbook (runbook) write
// their text through it; the text plan (render) uses Printable for what it
// shows on a terminal.
//
// "As written" is what cmark-gfm, GitHub's own renderer, shows; the
// gfmtest package checks it by running cmark-gfm.
package mdtext

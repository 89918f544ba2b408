// Package termtext owns how text that roster did not write (a platform's
// words, a lock file's holder) is shown on a terminal: every character a
// terminal would act on, or that would start a new line, is shown as its
// Go escape instead. It is a leaf: it imports nothing of roster's and does
// no I/O (internal/archtest holds both).
package termtext

// Package fsx owns how roster's commands touch the files a user names.
//
// Writing (Create, WriteFile): the outputs of plan --out, evidence export
// --out, review --out, fmt, offboard and import's pending file never
// replace what the path points at by something else: a regular file (or a
// missing one) is written beside itself and renamed over atomically; a
// symlink's target is replaced the same way in the target's directory, so
// the link stays a link; a character device, a FIFO or "-" (standard
// output) is written to directly (waiting for a FIFO's reader ends with
// Options.Context); a directory, a socket or a block device is refused
// with an error naming it. Temporary files that killed runs left beside a
// target (".NAME.tmp-*", older than StaleAfter) are removed by the next
// write to it, and those of this run by RemoveTemps when the process must
// exit at once.
//
// Reading (ReadFile, ReadAll): what roster reads whole (a saved plan, a
// sheet, a checkpoint, fmt's input) is bounded in size and given up when
// the command's context ends, so a FIFO, standard input or a link to
// /dev/zero cannot hold a command past Ctrl-C or fill its memory.
package fsx

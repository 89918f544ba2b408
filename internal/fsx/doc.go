// Package fsx writes the files roster's commands produce (plan --out,
// evidence export --out, review --out, fmt, import) without ever replacing
// what the path points at by something else: a regular file (or a missing
// one) is written beside itself and renamed over atomically; a symlink's
// target is replaced the same way in the target's directory, so the link
// stays a link; a character device, a FIFO or "-" (standard output) is
// written to directly; a directory, a socket or a block device is refused
// with an error naming it. It also cleans up temporary files that killed
// runs left behind, and removes the ones of this run when the process is
// made to exit at once (RemoveTemps). ReadFile is its counterpart for the
// files roster reads whole (a saved plan, a sheet): bounded in size and
// abandoned when the command's context ends, so a FIFO or a link to
// /dev/zero cannot hold a command past Ctrl-C or fill its memory.
package fsx

// Package kit holds what the drivers share to read a platform's answers
// safely (schema/sync.md, "Reading safely (version 2)"): Shape, the JSON shape an
// answer must have before a driver uses it (a list where a list belongs,
// an object where an object belongs, every field read of the right JSON
// type), and Pager, which holds a paged list to its word (no empty page
// while more is promised, a total that agrees with the items read). It
// makes no requests: httpc checks answers with it, drivers page with it.
package kit

// Package apply owns making a plan real: it turns a plan's changes into
// one changeset for the state store — the new objects, a history entry and
// one sealed evidence record per change — committed all or nothing. For
// offline teams that is the whole apply; connected teams (drivers) come
// through the same path, one confirmed change at a time.
package apply

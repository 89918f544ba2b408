// Package streamtest checks that a document reaches its writer streamed:
// in many pieces, none anywhere near the whole, as roster's JSON plans and
// reports must (a large plan or review is never held whole in a buffer).
// Only tests import it.
package streamtest

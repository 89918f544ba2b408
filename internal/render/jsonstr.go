package render

import "github.com/roster-dev/roster/internal/jsonw"

// appendJSONString appends s as a JSON string exactly as encoding/json does
// with HTML escaping off.
func appendJSONString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }

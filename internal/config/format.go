package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in HCL's canonical layout (hclwrite), for roster fmt.
// A file that does not parse gives its diagnostics and no output, so a
// broken file is never rewritten. The limits of Load apply.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if len(src) > MaxFileSize {
		return nil, hcl.Diagnostics{tooBigFile(filename)}
	}
	if d := scanNesting(src, filename, maxParseNesting); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	f, diags := parseSafely(newParser(), src, filename)
	if f == nil || diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), diags
}

package plan

// Severity is how much a plan's diagnostic matters.
type Severity string

// Severities of a plan's diagnostics: a configuration warning, or a note
// the planning made (what a refresh saw, a change that will be a manual
// step).
const (
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Diagnostic is a warning or note the text plan prints on stderr, kept so
// that the JSON and markdown plans say it too (cli.md, "Command line,
// version 2 additions"). Its JSON, the same in the saved plan and the
// JSON plan (and, for the range, diag's), is its tagged fields; a saved
// plan's is read by decodePlan, which checks the severity.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Detail   string   `json:"detail"`
	// Range is where in the configuration, nil (null) when nowhere.
	Range *Range `json:"range"`
}

// Range is a source range: the file and its start and end positions.
type Range struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Pos is a position: line and column from 1, byte offset from 0.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

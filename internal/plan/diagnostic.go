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
// version 2 additions").
type Diagnostic struct {
	Severity Severity
	Summary  string
	Detail   string
	// Range is where in the configuration, nil when nowhere.
	Range *Range
}

// Range is a source range: the file and its start and end positions.
type Range struct {
	Filename   string
	Start, End Pos
}

// Pos is a position: line and column from 1, byte offset from 0.
type Pos struct {
	Line, Column, Byte int
}

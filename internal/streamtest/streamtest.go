package streamtest

import "fmt"

// Writer is an io.Writer that keeps nothing of what it is handed: it
// counts the writes and the bytes, and remembers the largest write.
type Writer struct{ Writes, Largest, Total int }

func (w *Writer) Write(p []byte) (int, error) {
	w.Writes++
	w.Largest = max(w.Largest, len(p))
	w.Total += len(p)
	return len(p), nil
}

// Streamed reports whether what w was handed came streamed: in at least
// ten writes, none larger than 1 MiB or a tenth of the whole.
func (w *Writer) Streamed() bool {
	return w.Writes >= 10 && w.Largest <= 1<<20 && w.Largest <= w.Total/10
}

// String says what w was handed, for a test's failure.
func (w *Writer) String() string {
	return fmt.Sprintf("%d bytes in %d writes, the largest %d bytes", w.Total, w.Writes, w.Largest)
}

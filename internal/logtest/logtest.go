// Package logtest keeps what a logger wrote, for tests that check how a
// failure was logged (a fault at ERROR, an outage as a warning).
package logtest

import (
	"io"
	"strings"
	"sync"
	"testing"
)

// Lines is an io.Writer for a slog handler that keeps every line.
type Lines struct {
	mu    sync.Mutex
	lines []string
}

func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

// With returns the lines that contain every part, e.g. "level=ERROR".
func (l *Lines) With(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()

	var out []string
	for _, line := range l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			out = append(out, line)
		}
	}
	return out
}

// To is an io.Writer for a slog handler that sends each line to tb's log,
// shown only when the test fails or with -v.
func To(tb testing.TB) io.Writer { return testLog{tb} }

type testLog struct{ tb testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(string(p))
	return len(p), nil
}

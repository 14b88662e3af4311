// Package logtest keeps what a logger wrote, for tests that check how a
// failure was logged (a fault at ERROR, an outage as a warning).
package logtest

import (
	"strings"
	"sync"
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

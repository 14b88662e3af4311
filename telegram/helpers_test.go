package telegram_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
	"github.com/tori-bot/tori/internal/testpractice"
)

// testPractice is the shared test practice (internal/testpractice): Adi
// (therapist ids 9001, 9011) and Noa (9002) in Tel Aviv, staff 9500.
func testPractice() *tori.Practice { return testpractice.New() }

// fakeClock is a clock a test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testWriter sends log lines to the test's log, shown only on failure or -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// shown is a text as a person reads it: without the invisible word joiners
// that keep a time range on one line.
func shown(s string) string { return strings.ReplaceAll(s, bidi.WJ, "") }

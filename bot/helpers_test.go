package bot_test

import (
	"strconv"
	"testing"
	"time"
)

func strconvUnixMinutes(t time.Time) string { return strconv.FormatInt(t.Unix()/60, 36) }

// testWriter sends log lines to the test's log, shown only on failure or -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

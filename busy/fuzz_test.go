package busy_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/busy/busytest"
)

// FuzzRead: a feed is untrusted input; whatever it holds, Read returns
// sorted intervals that end after they start, or an error, and no panic.
func FuzzRead(f *testing.F) {
	for _, p := range []busytest.Provider{busytest.Google, busytest.Outlook, busytest.ICloud} {
		f.Add(busytest.All(p))
	}
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261208T100000Z\r\nRRULE:FREQ=SECONDLY\r\nDURATION:P\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))

	from := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		ivs, err := busy.Read(body, from, to, busy.Options{Zone: jerusalem})
		if err != nil {
			return
		}
		for i, iv := range ivs {
			if !iv.End.After(iv.Start) || i > 0 && !iv.Start.After(ivs[i-1].End) {
				t.Fatalf("interval %d: %v – %v after %v", i, iv.Start, iv.End, ivs)
			}
		}
	})
}

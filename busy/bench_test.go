package busy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/busy"
)

// bigFeed is a Google-shaped feed of n events, each a weekly rule (one to
// three weekdays, some with an EXDATE), started over the last two years.
func bigFeed(n int) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nX-WR-TIMEZONE:Asia/Jerusalem\r\n")
	days := []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	start := time.Date(2025, 1, 5, 7, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		s := start.AddDate(0, 0, i%700).Add(time.Duration(i%48) * 15 * time.Minute)
		byday := days[i%7]
		if i%3 == 0 {
			byday += "," + days[(i+2)%7]
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nDTSTART;TZID=Asia/Jerusalem:%s\r\nDTEND;TZID=Asia/Jerusalem:%s\r\n",
			s.Format("20060102T150405"), s.Add(50*time.Minute).Format("20060102T150405"))
		fmt.Fprintf(&b, "RRULE:FREQ=WEEKLY;BYDAY=%s\r\n", byday)
		if i%5 == 0 {
			fmt.Fprintf(&b, "EXDATE;TZID=Asia/Jerusalem:%s\r\n", s.AddDate(0, 0, 7*(1+i%30)).Format("20060102T150405"))
		}
		fmt.Fprintf(&b, "UID:bench%d@google.com\r\nSUMMARY:Event %d\r\nEND:VEVENT\r\n", i, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// BenchmarkBusyImport expands a feed of 2,000 weekly events over a year.
func BenchmarkBusyImport(b *testing.B) {
	feed := bigFeed(2000)
	from := time.Date(2026, 12, 6, 0, 0, 0, 0, jerusalem)
	to := from.AddDate(1, 0, 0)
	b.SetBytes(int64(len(feed)))
	b.ReportAllocs()

	var n int
	for b.Loop() {
		ivs, err := busy.Read(feed, from, to, busy.Options{Zone: jerusalem})
		if err != nil {
			b.Fatal(err)
		}
		n = len(ivs)
	}
	b.ReportMetric(float64(n), "intervals")
}

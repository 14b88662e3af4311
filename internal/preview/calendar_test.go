package preview

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/internal/testpractice"
)

// TestSampleCalendar: the preview's sample calendar reads as ten busy
// times around today (eight supervisions, a doctor, a day off), and is
// added to a practice without calendars of its own, not to the caller's.
func TestSampleCalendar(t *testing.T) {
	pr := testpractice.Valid(testpractice.New())
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, pr.Location)
	ivs, err := busy.Read(sampleCalendar(now, pr.Location), now, now.AddDate(0, 3, 0), busy.Options{Zone: pr.Location})
	if err != nil || len(ivs) != 10 {
		t.Fatalf("sample calendar: %d busy times, %v; want 10", len(ivs), err)
	}
	if first := ivs[0].Start.In(pr.Location); first.Day() != 7 || first.Hour() != 10 {
		t.Errorf("the first busy time is %v, want tomorrow 10:00", first)
	}

	p := &Preview{clock: &Clock{}}
	got, stop := p.withSampleCalendar(pr)
	defer stop()
	if len(got.Therapists[0].BusyCalendars) != 1 || len(pr.Therapists[0].BusyCalendars) != 0 {
		t.Errorf("calendars: preview %d, caller %d; want 1 and 0", len(got.Therapists[0].BusyCalendars), len(pr.Therapists[0].BusyCalendars))
	}
	mine := testpractice.Valid(testpractice.New())
	mine.Therapists[1].BusyCalendars = []tori.BusyCalendar{{URL: "https://example.com/a.ics"}}
	if got, stop := p.withSampleCalendar(mine); got != mine {
		stop()
		t.Errorf("a practice with calendars of its own got the sample")
	}
}

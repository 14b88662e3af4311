package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestCalendarSourcesWithoutPublicURL: with no PUBLIC_URL there is no feed
// link, but /calendar still shows how each of the therapist's own
// calendars stands: its busy times, and one failing in plain words.
func TestCalendarSourcesWithoutPublicURL(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	fastmail := tori.BusyCalendar{URL: "https://caldav.fastmail.com/dav/calendars/user/adi@fastmail.com/secret-id/", CalDAV: true}
	google := tori.BusyCalendar{URL: "https://calendar.google.com/calendar/ical/x/private-secret/basic.ics"}
	w.p.Therapists[0].BusyCalendars = []tori.BusyCalendar{fastmail, google}

	now := w.clock.Now()
	iv := tori.Interval{Start: now.Add(24 * time.Hour), End: now.Add(25 * time.Hour)}
	if _, err := w.store.ReplaceBusy(ctx, w.p.Therapists[0].ID, tori.BusyImport{Source: fastmail.Source(), Intervals: []tori.Interval{iv}}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.BusyFailed(ctx, w.p.Therapists[0].ID, google.Source(), now, tori.EFORBIDDEN); err != nil {
		t.Fatal(err)
	}

	adi := w.user(w.p.Therapists[0].TelegramIDs[0], "Adi", "en").say("/calendar")
	adi.sees("PUBLIC_URL", "caldav.fastmail.com", "1 זמנים תפוסים", "calendar.google.com", "לא נקרא מאז", "הכתובת מסרבת")
	if strings.Contains(adi.screen.Text, "נקרא לאחרונה") {
		t.Fatalf("/calendar says a calendar was read before any round recorded it:\n%s", adi.screen.Text)
	}

	// A later round that reads it well (unchanged) is said as its last read.
	if err := w.store.BusyRead(ctx, []string{w.p.Therapists[0].ID + "/" + fastmail.Source()}, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	adi.say("/calendar").sees("נקרא לאחרונה")
	if strings.Contains(adi.screen.Text, "secret") || len(adi.screen.Keyboard) != 0 {
		t.Fatalf("/calendar shows a secret address or a link button:\n%s %v", adi.screen.Text, labels(adi.screen))
	}
}

package telegram_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestCalendarShowsOwnCalendars: /calendar shows how each of the
// therapist's own calendars stands (by its host, never its secret
// address): its busy times, one not read yet, one failing and why.
func TestCalendarShowsOwnCalendars(t *testing.T) {
	ctx := context.Background()
	st := storagetest.MustStore(t)
	l := startLiveOn(t, st)
	google := tori.BusyCalendar{URL: "https://calendar.google.com/calendar/ical/x/private-secret/basic.ics"}
	icloud := tori.BusyCalendar{URL: "https://p52-caldav.icloud.com/published/2/secret"}
	outlook := tori.BusyCalendar{URL: "https://outlook.live.com/owa/calendar/secret/calendar.ics"}
	l.p.Therapists[0].BusyCalendars = []tori.BusyCalendar{google, icloud, outlook}

	now := l.clock.Now()
	busy := tori.Interval{Start: now.Add(24 * time.Hour), End: now.Add(25 * time.Hour)}
	mustReplace(t, st, google.Source(), busy, now)
	if _, err := st.BusyFailed(ctx, "adi", outlook.Source(), now, tori.ENOTFOUND); err != nil {
		t.Fatal(err)
	}

	adi := l.admin(9001, "Adi")
	m := adi.say("/calendar").sees("זמנים תפוסים מהיומנים שלך")
	for _, want := range []string{"calendar.google.com", "1 זמנים תפוסים", "p52-caldav.icloud.com", "עוד לא נקרא", "outlook.live.com", "לא נקרא מאז", "הכתובת עונה שאין יומן כזה"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("/calendar lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "secret") {
		t.Errorf("/calendar shows a secret address:\n%s", m.Text)
	}
}

func mustReplace(t *testing.T, st *storage.Store, source string, iv tori.Interval, now time.Time) {
	t.Helper()
	if _, err := st.ReplaceBusy(context.Background(), "adi", tori.BusyImport{Source: source, Intervals: []tori.Interval{iv}}, now); err != nil {
		t.Fatal(err)
	}
}

package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori"
)

// TestCalendarFeed: a therapist's feed link serves their booked sessions,
// each with the client's first name and the service in the therapist's
// language (a hold is not booked); a wrong token, another therapist's
// file, no token or a therapist that does not exist is 404, and so is the
// old link once a new one is made.
func TestCalendarFeed(t *testing.T) {
	s := startSite(t)
	ctx := context.Background()
	dana := tori.Client{ID: 101, ChatID: 101, Name: "Dana Levi", Lang: "en"}
	s.book(dana, "talk", time.Date(2026, 12, 3, 10, 0, 0, 0, s.p.Location))
	omer := tori.Client{ID: 102, ChatID: 102, Name: "Omer Katz", Lang: "en"}
	s.hold(omer, "talk", time.Date(2026, 12, 3, 15, 0, 0, 0, s.p.Location))
	token, err := s.store.CalendarToken(ctx, "adi")
	if err != nil {
		t.Fatal(err)
	}
	link := s.url + "/calendar/adi.ics?token=" + token

	code, body := s.get(link)
	if code != 200 {
		t.Fatalf("%d", code)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil || len(cal.Events()) != 1 || !strings.Contains(body, "SUMMARY:Dana · פגישת שיחה") || strings.Contains(body, "Omer") {
		t.Fatalf("feed %v:\n%s", err, body)
	}
	for _, bad := range []string{link + "x", strings.Replace(link, "adi.ics", "noa.ics", 1), s.url + "/calendar/adi.ics", s.url + "/calendar/nobody.ics?token=x"} {
		if code, body := s.get(bad); code != 404 || strings.Contains(body, "Dana") {
			t.Fatalf("%s answered %d", bad, code)
		}
	}

	if _, err := s.store.NewCalendarToken(ctx, "adi"); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.get(link); code != 404 {
		t.Fatal("the old link still works")
	}
}

package preview

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// withSampleCalendar returns pr with a sample calendar of the first
// therapist's own at a local stand-in, when no therapist has one, so that
// the preview shows what busy times do; and what stops the stand-in. A
// practice with calendars of its own is read as configured.
func (p *Preview) withSampleCalendar(pr *tori.Practice) (*tori.Practice, func()) {
	if slices.ContainsFunc(pr.Therapists, func(t tori.Therapist) bool { return len(t.BusyCalendars) > 0 }) || len(pr.Therapists) == 0 {
		return pr, func() {}
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Write(sampleCalendar(p.clock.Now(), pr.Location))
	}))
	cp := *pr
	cp.Therapists = slices.Clone(pr.Therapists)
	cp.Therapists[0].BusyCalendars = []tori.BusyCalendar{{URL: srv.URL + "/sample.ics", AllDay: tori.AllDayBlock}}
	return &cp, srv.Close
}

// sampleCalendar is a calendar like a therapist's own, around now: a
// weekly supervision from tomorrow 10:00–11:30, a doctor's appointment
// the day after 16:00–17:00, and a day off four days ahead.
func sampleCalendar(now time.Time, loc *time.Location) []byte {
	day := tori.DateOf(now.In(loc))
	at := func(d tori.Date, hm string) string {
		return fmt.Sprintf("%04d%02d%02dT%s00", d.Year, d.Month, d.Day, strings.ReplaceAll(hm, ":", ""))
	}
	date := func(d tori.Date) string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }
	tz := loc.String()

	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tori//Preview sample calendar//EN\r\n")
	event := func(uid string, lines ...string) {
		b.WriteString("BEGIN:VEVENT\r\nUID:" + uid + "@preview.example\r\n")
		for _, l := range lines {
			b.WriteString(l + "\r\n")
		}
		b.WriteString("END:VEVENT\r\n")
	}
	event("supervision", "DTSTART;TZID="+tz+":"+at(day.AddDays(1), "10:00"), "DTEND;TZID="+tz+":"+at(day.AddDays(1), "11:30"),
		"RRULE:FREQ=WEEKLY;COUNT=8", "SUMMARY:Supervision")
	event("doctor", "DTSTART;TZID="+tz+":"+at(day.AddDays(2), "16:00"), "DTEND;TZID="+tz+":"+at(day.AddDays(2), "17:00"), "SUMMARY:Doctor")
	event("dayoff", "DTSTART;VALUE=DATE:"+date(day.AddDays(4)), "DTEND;VALUE=DATE:"+date(day.AddDays(5)), "SUMMARY:Day off", "TRANSP:TRANSPARENT")
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

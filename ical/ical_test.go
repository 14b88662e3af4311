package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/ical"
	"github.com/tori-bot/tori/internal/testpractice"
)

// parse checks that every line ends in CRLF and that golang-ical's own
// parser reads the file back.
func parse(t *testing.T, data []byte) *ics.Calendar {
	t.Helper()
	if !bytes.Contains(data, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("lines do not end in CRLF:\n%q", data)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, data)
	}
	return cal
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

var (
	now  = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	text = ical.Text{Summary: "Video session with Adi Levi", Description: "Tel Aviv Therapy\nManage it in Telegram"}
)

func session(svc string, remote bool, seq int) tori.Appointment {
	start := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	return tori.Appointment{ID: "adi.k3m9x2q7pz", ServiceID: svc, TherapistID: "adi", Start: start, End: start.Add(45 * time.Minute),
		Remote: remote, Seq: seq, Status: tori.StatusConfirmed, Client: tori.Client{ID: 101, Name: "Dana Levi"}}
}

// TestBooking: a client's file of a booking is METHOD:PUBLISH with one
// event (the same UID whatever happens to it, its SEQUENCE, the times in
// UTC, the words given, a reminder an hour before, the practice as
// organizer); a remote session's place is its link, one in the room the
// practice's address.
func TestBooking(t *testing.T) {
	p := testpractice.New()
	data := ical.Booking(p, session("video", true, 2), text, now, false)
	cal := parse(t, data)
	if len(cal.Events()) != 1 || !strings.Contains(string(data), "METHOD:PUBLISH") {
		t.Fatalf("calendar:\n%s", data)
	}
	e := cal.Events()[0]
	start, _ := e.GetStartAt()
	end, _ := e.GetEndAt()
	if e.Id() != "adi.k3m9x2q7pz@tori" || !start.Equal(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)) || !end.Equal(start.Add(45*time.Minute)) ||
		!strings.Contains(string(data), "DTSTART:20261203T080000Z") {
		t.Fatalf("event %s from %v to %v:\n%s", e.Id(), start, end, data)
	}
	if prop(e, ics.ComponentPropertySequence) != "2" || prop(e, ics.ComponentPropertySummary) != text.Summary ||
		prop(e, ics.ComponentPropertyStatus) != "CONFIRMED" || prop(e, ics.ComponentPropertyLocation) != "https://meet.example/adi" ||
		prop(e, ics.ComponentPropertyUrl) != "https://meet.example/adi" || len(e.Alarms()) != 1 ||
		!strings.Contains(string(data), "ORGANIZER;CN=Tel Aviv Therapy:mailto:office@tlvtherapy.example") {
		t.Fatalf("event:\n%s", data)
	}
	if d := prop(e, ics.ComponentPropertyDescription); d != text.Description {
		t.Fatalf("description %q", d)
	}

	inRoom := parse(t, ical.Booking(p, session("talk", false, 0), text, now, false)).Events()[0]
	if prop(inRoom, ics.ComponentPropertyLocation) != "1 Herzl St, Tel Aviv" || prop(inRoom, ics.ComponentPropertyUrl) != "" {
		t.Fatalf("in the room: location %q url %q", prop(inRoom, ics.ComponentPropertyLocation), prop(inRoom, ics.ComponentPropertyUrl))
	}

	p.Contact = "03-555-0100, weekdays."
	if data := ical.Booking(p, session("talk", false, 0), text, now, false); strings.Contains(string(data), "ORGANIZER") {
		t.Fatalf("an organizer without an e-mail address:\n%s", data)
	}
}

// TestCancelledBooking: the file of a cancellation removes the same event:
// METHOD:CANCEL, STATUS:CANCELLED, a SEQUENCE one higher, no reminder.
func TestCancelledBooking(t *testing.T) {
	a := session("video", true, 2)
	data := ical.Booking(testpractice.New(), a, text, now, true)
	e := parse(t, data).Events()[0]
	if !strings.Contains(string(data), "METHOD:CANCEL") || e.Id() != "adi.k3m9x2q7pz@tori" || prop(e, ics.ComponentPropertyStatus) != "CANCELLED" ||
		prop(e, ics.ComponentPropertySequence) != "3" || len(e.Alarms()) != 0 {
		t.Fatalf("cancelled:\n%s", data)
	}
}

// TestFeed: a therapist's feed names each session by the client's first
// name and the service in the therapist's language (the practice's when
// they have none), refreshes every 15 minutes, and is named after the
// practice and the therapist.
func TestFeed(t *testing.T) {
	p := testpractice.New()
	adi, _ := p.Therapist("adi")
	noa, _ := p.Therapist("noa")
	as := []tori.Appointment{session("talk", false, 1), session("video", true, 0)}
	as[1].ID, as[1].Client.Name = "adi.z8k2m4q1rt", "Omer"
	data := ical.Feed(p, adi, as, now)
	cal := parse(t, data)
	if len(cal.Events()) != 2 || !strings.Contains(string(data), "X-WR-CALNAME:Tel Aviv Therapy · Adi Levi") ||
		!strings.Contains(string(data), "X-PUBLISHED-TTL:PT15M") || !strings.Contains(string(data), "REFRESH-INTERVAL") {
		t.Fatalf("feed:\n%s", data)
	}
	first, second := cal.Events()[0], cal.Events()[1]
	if prop(first, ics.ComponentPropertySummary) != "Dana · פגישת שיחה" || prop(first, ics.ComponentPropertySequence) != "1" ||
		prop(first, ics.ComponentPropertyLocation) != "1 Herzl St, Tel Aviv" ||
		prop(second, ics.ComponentPropertySummary) != "Omer · פגישת וידאו" || prop(second, ics.ComponentPropertyLocation) != "https://meet.example/adi" {
		t.Fatalf("feed:\n%s", data)
	}
	if data := ical.Feed(p, noa, as[:1], now); !strings.Contains(string(data), "SUMMARY:Dana · Talk session") {
		t.Fatalf("a therapist without a language of their own:\n%s", data)
	}
}

// TestBookings: a series' file holds every session as an event of its
// own, each with its appointment's UID and SEQUENCE, in one calendar; its
// cancellation removes each of them.
func TestBookings(t *testing.T) {
	p := testpractice.New()
	as := []tori.Appointment{session("talk", false, 0), session("talk", false, 2)}
	as[1].ID, as[1].Start, as[1].End = "adi.z8k2m4q1rt", as[0].Start.Add(7*24*time.Hour), as[0].End.Add(7*24*time.Hour)
	data := ical.Bookings(p, as, text, now, false)
	evs := parse(t, data).Events()
	if len(evs) != 2 || strings.Count(string(data), "BEGIN:VCALENDAR") != 1 || !strings.Contains(string(data), "METHOD:PUBLISH") {
		t.Fatalf("series file:\n%s", data)
	}
	for i, e := range evs {
		start, _ := e.GetStartAt()
		if e.Id() != as[i].ID+"@tori" || !start.Equal(as[i].Start) || prop(e, ics.ComponentPropertySequence) != []string{"0", "2"}[i] || len(e.Alarms()) != 1 {
			t.Fatalf("event %d:\n%s", i, data)
		}
	}
	data = ical.Bookings(p, as, text, now, true)
	evs = parse(t, data).Events()
	if len(evs) != 2 || !strings.Contains(string(data), "METHOD:CANCEL") || prop(evs[0], ics.ComponentPropertySequence) != "1" ||
		prop(evs[1], ics.ComponentPropertySequence) != "3" || prop(evs[1], ics.ComponentPropertyStatus) != "CANCELLED" {
		t.Fatalf("series cancelled:\n%s", data)
	}
}

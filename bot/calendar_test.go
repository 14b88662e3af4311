package bot_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori/bot/telegramtest"
)

func parseICS(t *testing.T, data []byte) *ics.Calendar {
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

func prop(cal *ics.Calendar, p ics.ComponentProperty) string {
	if v := cal.Events()[0].GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestCalendarFilesThroughABooking: the confirmation carries an .ics; a
// move sends the same UID with a higher SEQUENCE; a cancellation sends
// METHOD:CANCEL; every file round-trips through golang-ical's parser.
func TestCalendarFilesThroughABooking(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start video").press("Thu 3/12").press("10:00").press("Confirm").sees("You're booked.")
	docs := files(l.waitChat(101, "ics", func(ms []telegramtest.Message) bool { return len(files(ms)) == 1 }))
	if !strings.HasSuffix(docs[0].File.Name, ".ics") || !strings.Contains(docs[0].Text, "Add this session to your calendar") {
		t.Fatalf("document %q %q", docs[0].File.Name, docs[0].Text)
	}
	cal := parseICS(t, docs[0].File.Data)
	if len(cal.Events()) != 1 || !strings.Contains(string(docs[0].File.Data), "METHOD:PUBLISH") {
		t.Fatalf("calendar:\n%s", docs[0].File.Data)
	}
	ev := cal.Events()[0]
	start, _ := ev.GetStartAt()
	end, _ := ev.GetEndAt()
	if !start.Equal(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2026, 12, 3, 8, 45, 0, 0, time.UTC)) {
		t.Fatalf("start %v end %v", start, end)
	}
	uid := ev.Id()
	if prop(cal, ics.ComponentPropertySequence) != "0" || prop(cal, ics.ComponentPropertyLocation) != "https://meet.example/adi" ||
		prop(cal, ics.ComponentPropertySummary) != "Video session with Adi Levi" || len(ev.Alarms()) != 1 {
		t.Fatalf("event:\n%s", docs[0].File.Data)
	}

	dana.say("/my").press("Reschedule 1").press("Wed 2/12").press("10:00").press("Confirm the new time").sees("Your session has been moved.")
	docs = files(l.waitChat(101, "ics after the move", func(ms []telegramtest.Message) bool { return len(files(ms)) == 2 }))
	moved := parseICS(t, docs[1].File.Data)
	if moved.Events()[0].Id() != uid || prop(moved, ics.ComponentPropertySequence) != "1" {
		t.Fatalf("moved:\n%s", docs[1].File.Data)
	}

	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	docs = files(l.waitChat(101, "ics after the cancel", func(ms []telegramtest.Message) bool { return len(files(ms)) == 3 }))
	cancelled := parseICS(t, docs[2].File.Data)
	data := string(docs[2].File.Data)
	if cancelled.Events()[0].Id() != uid || !strings.Contains(data, "METHOD:CANCEL") || prop(cancelled, ics.ComponentPropertyStatus) != "CANCELLED" ||
		prop(cancelled, ics.ComponentPropertySequence) != "2" || !strings.Contains(data, "ORGANIZER;CN=Tel Aviv Therapy:mailto:office@tlvtherapy.example") {
		t.Fatalf("cancelled:\n%s", data)
	}
}

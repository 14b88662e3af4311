package telegram_test

import (
	"strings"
	"testing"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// field is the value of the first line of an .ics file that is the
// property name (with no parameters), or "".
func field(data []byte, name string) string {
	for _, line := range strings.Split(string(data), "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// TestCalendarFilesThroughABooking: the confirmation carries an .ics of
// the booking in the client's words; a move sends the same UID with a
// higher SEQUENCE; a cancellation sends METHOD:CANCEL. (The files' format
// is package ical's, tested there.)
func TestCalendarFilesThroughABooking(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start video").press("Thu 3/12").press("10:00").press("Confirm").sees("You're booked.")
	docs := files(l.waitChat(101, "ics", func(ms []telegramtest.Message) bool { return len(files(ms)) == 1 }))
	if !strings.HasSuffix(docs[0].File.Name, ".ics") || !strings.Contains(docs[0].Text, "Add this session to your calendar") {
		t.Fatalf("document %q %q", docs[0].File.Name, docs[0].Text)
	}
	data := docs[0].File.Data
	uid := field(data, "UID")
	if field(data, "METHOD") != "PUBLISH" || uid == "" || field(data, "SEQUENCE") != "0" ||
		field(data, "DTSTART") != "20261203T080000Z" || field(data, "DTEND") != "20261203T084500Z" ||
		field(data, "SUMMARY") != "Video session with Adi Levi" || field(data, "LOCATION") != "https://meet.example/adi" ||
		!strings.Contains(field(data, "DESCRIPTION"), "Tel Aviv Therapy") {
		t.Fatalf("calendar:\n%s", data)
	}

	dana.say("/my").press("Reschedule 1").press("Wed 2/12").press("10:00").press("Confirm the new time").sees("Your session has been moved.")
	docs = files(l.waitChat(101, "ics after the move", func(ms []telegramtest.Message) bool { return len(files(ms)) == 2 }))
	if moved := docs[1].File.Data; field(moved, "UID") != uid || field(moved, "SEQUENCE") != "1" || field(moved, "DTSTART") != "20261202T080000Z" {
		t.Fatalf("moved:\n%s", moved)
	}

	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	docs = files(l.waitChat(101, "ics after the cancel", func(ms []telegramtest.Message) bool { return len(files(ms)) == 3 }))
	if cancelled := docs[2].File.Data; field(cancelled, "UID") != uid || field(cancelled, "METHOD") != "CANCEL" ||
		field(cancelled, "STATUS") != "CANCELLED" || field(cancelled, "SEQUENCE") != "2" {
		t.Fatalf("cancelled:\n%s", cancelled)
	}
}

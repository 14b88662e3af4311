// Package ical writes tori's calendar files (RFC 5545, through
// arran4/golang-ical): one per booking for its client (or one for a whole
// series, an event per session), sent with every confirmation, move and
// cancellation, and each therapist's feed. Times are
// written in UTC, lines end in CRLF, an appointment's UID never changes and
// its SEQUENCE rises with each move; a cancellation is METHOD:CANCEL with
// STATUS:CANCELLED.
//
// It is a format, not an outside service: it imports the root package only,
// and the words a client reads (the summary, the description) are given to
// it in their language by the conversation (package bot).
package ical

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori"
)

// Text is what a client's event says, in their language.
type Text struct {
	Summary     string // the event's title, also its reminder's text
	Description string // the lines under it (the practice, how to manage the booking)
}

func uid(a tori.Appointment) string { return a.ID + "@tori" }

// emailIn finds an e-mail address in the practice's contact text ("" if none).
func emailIn(s string) string {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" ,;()<>\t\n", r) }) {
		if at := strings.IndexByte(f, '@'); at > 0 && strings.Contains(f[at:], ".") && !strings.HasSuffix(f, ".") {
			return f
		}
	}
	return ""
}

func newCalendar(name string, method ics.Method) *ics.Calendar {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Tori//Booking assistant//EN")
	cal.SetMethod(method)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(name)
	return cal
}

// Booking is the calendar file of one booking of p for its client: to add
// (or update) it, or, cancelled, to remove it. now is its DTSTAMP.
func Booking(p *tori.Practice, a tori.Appointment, text Text, now time.Time, cancelled bool) []byte {
	return Bookings(p, []tori.Appointment{a}, text, now, cancelled)
}

// Bookings is one calendar file of several bookings of p for their client
// (the sessions of a series), each its own event with its own UID and
// SEQUENCE, as Booking writes it: to add them all, or to remove them.
func Bookings(p *tori.Practice, as []tori.Appointment, text Text, now time.Time, cancelled bool) []byte {
	method := ics.MethodPublish
	if cancelled {
		method = ics.MethodCancel
	}

	cal := newCalendar(p.Name, method)
	for _, a := range as {
		clientEvent(cal, p, a, text, now, cancelled)
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// clientEvent writes a's event as its client sees it.
func clientEvent(cal *ics.Calendar, p *tori.Practice, a tori.Appointment, text Text, now time.Time, cancelled bool) {
	s, _ := p.Service(a.ServiceID)
	e := cal.AddEvent(uid(a))
	e.SetDtStampTime(now)
	e.SetStartAt(a.Start)
	e.SetEndAt(a.End)
	if cancelled {
		e.SetSequence(a.Seq + 1) // a change of STATUS raises SEQUENCE (RFC 5545 3.8.7.4)
	} else {
		e.SetSequence(a.Seq)
	}

	if mail := emailIn(p.Contact); mail != "" {
		e.SetOrganizer("mailto:"+mail, ics.WithCN(p.Name)) // calendars want one on a CANCEL (RFC 5546)
	}

	e.SetSummary(text.Summary)
	if a.Remote && s.MeetingLink != "" {
		e.SetLocation(s.MeetingLink)
		e.SetURL(s.MeetingLink)
	} else if !a.Remote {
		e.SetLocation(p.Address)
	}
	e.SetDescription(text.Description)
	if cancelled {
		e.SetStatus(ics.ObjectStatusCancelled)
		return
	}

	e.SetStatus(ics.ObjectStatusConfirmed)

	// A reminder an hour before.
	al := e.AddAlarm()
	al.SetAction(ics.ActionDisplay)
	al.SetTrigger("-PT1H")
	al.SetProperty(ics.ComponentPropertyDescription, text.Summary)
}

// Feed is therapist t's calendar feed of p: the sessions as given (the
// caller picks which), each with the client's first name and the service,
// in the therapist's language. now is its DTSTAMP.
func Feed(p *tori.Practice, t tori.Therapist, as []tori.Appointment, now time.Time) []byte {
	lang := t.Lang
	if lang == "" {
		lang = p.Language
	}

	cal := newCalendar(p.Name+" · "+t.Name, ics.MethodPublish)
	cal.SetXPublishedTTL("PT15M")
	cal.SetRefreshInterval("PT15M")

	for _, a := range as {
		s, _ := p.Service(a.ServiceID)
		first, _, _ := strings.Cut(a.Client.Name, " ")
		e := cal.AddEvent(uid(a))
		e.SetDtStampTime(now)
		e.SetStartAt(a.Start)
		e.SetEndAt(a.End)
		e.SetSequence(a.Seq)
		e.SetSummary(first + " · " + s.Name(lang, p.Language))
		e.SetStatus(ics.ObjectStatusConfirmed)
		if a.Remote && s.MeetingLink != "" {
			e.SetLocation(s.MeetingLink)
		} else if !a.Remote {
			e.SetLocation(p.Address)
		}
	}

	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

package bot

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori"
)

// Calendar files (RFC 5545, golang-ical): one per booking for the client,
// sent with every confirmation, move and cancellation, and each therapist's
// feed. Times are written in UTC, lines end in CRLF, an appointment's UID
// never changes and its SEQUENCE rises with each move; a cancellation is
// METHOD:CANCEL with STATUS:CANCELLED.

// Document is a file sent with a reply.
type Document struct {
	Name    string
	Data    []byte
	Caption string
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

// clientEvent writes a's event as its client sees it, in lang.
func (b *Bot) clientEvent(cal *ics.Calendar, a tori.Appointment, lang string, now time.Time, cancelled bool) {
	s, _ := b.practice.Service(a.ServiceID)
	t, _ := b.practice.Therapist(a.TherapistID)
	e := cal.AddEvent(uid(a))
	e.SetDtStampTime(now)
	e.SetStartAt(a.Start)
	e.SetEndAt(a.End)
	if cancelled {
		e.SetSequence(a.Seq + 1) // a change of STATUS raises SEQUENCE (RFC 5545 3.8.7.4)
	} else {
		e.SetSequence(a.Seq)
	}
	if mail := emailIn(b.practice.Contact); mail != "" {
		e.SetOrganizer("mailto:"+mail, ics.WithCN(b.practice.Name)) // calendars want one on a CANCEL (RFC 5546)
	}
	e.SetSummary(b.cat.T(lang, "ics.summary", map[string]any{"Service": s.Name(lang, b.practice.Language), "Therapist": t.Name}))
	desc := []string{b.practice.Name}
	if b.username != "" {
		desc = append(desc, b.cat.T(lang, "ics.manage", map[string]any{"Link": "https://t.me/" + b.username}))
	}
	if a.Remote && s.MeetingLink != "" {
		e.SetLocation(s.MeetingLink)
		e.SetURL(s.MeetingLink)
	} else if !a.Remote {
		e.SetLocation(b.practice.Address)
	}
	e.SetDescription(strings.Join(desc, "\n"))
	if cancelled {
		e.SetStatus(ics.ObjectStatusCancelled)
		return
	}
	e.SetStatus(ics.ObjectStatusConfirmed)
	al := e.AddAlarm()
	al.SetAction(ics.ActionDisplay)
	al.SetTrigger("-PT1H")
	al.SetProperty(ics.ComponentPropertyDescription, b.cat.T(lang, "ics.summary", map[string]any{"Service": s.Name(lang, b.practice.Language), "Therapist": t.Name}))
}

// ICS is the calendar file of one booking for its client: to add (or
// update) it, or, cancelled, to remove it.
func (b *Bot) ICS(a tori.Appointment, lang string, cancelled bool) []byte {
	method := ics.MethodPublish
	if cancelled {
		method = ics.MethodCancel
	}
	cal := newCalendar(b.practice.Name, method)
	b.clientEvent(cal, a, lang, b.now(), cancelled)
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// icsDocument attaches a booking's calendar file to the chat.
func (c *turn) icsDocument(a tori.Appointment, cancelled bool) {
	caption := c.t("ics.caption", nil)
	if cancelled {
		caption = c.t("ics.caption_cancel", nil)
	}
	c.res.Replies = append(c.res.Replies, Reply{ChatID: c.in.User.ChatID, Document: &Document{
		Name: "session-" + c.local(a.Start).Format("2006-01-02-1504") + ".ics", Data: c.ICS(a, c.lang, cancelled), Caption: caption,
	}})
}

// Feed is a therapist's calendar feed: their confirmed sessions from 30
// days ago to 180 days ahead, each with the client's first name and the
// service, in the therapist's language.
func (b *Bot) Feed(t tori.Therapist, as []tori.Appointment) []byte {
	lang := t.Lang
	if lang == "" {
		lang = b.practice.Language
	}
	cal := newCalendar(b.practice.Name+" · "+t.Name, ics.MethodPublish)
	cal.SetXPublishedTTL("PT15M")
	cal.SetRefreshInterval("PT15M")
	now := b.now()
	for _, a := range as {
		s, _ := b.practice.Service(a.ServiceID)
		first, _, _ := strings.Cut(a.Client.Name, " ")
		e := cal.AddEvent(uid(a))
		e.SetDtStampTime(now)
		e.SetStartAt(a.Start)
		e.SetEndAt(a.End)
		e.SetSequence(a.Seq)
		e.SetSummary(first + " · " + s.Name(lang, b.practice.Language))
		e.SetStatus(ics.ObjectStatusConfirmed)
		if a.Remote && s.MeetingLink != "" {
			e.SetLocation(s.MeetingLink)
		} else if !a.Remote {
			e.SetLocation(b.practice.Address)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

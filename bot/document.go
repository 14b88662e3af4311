package bot

import (
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/ical"
)

// Document is a file sent with a reply.
type Document struct {
	Name    string
	Data    []byte
	Caption string
}

// icsDocument attaches a booking's calendar file (package ical) to the
// chat: to add it to a calendar, or, cancelled, to remove it.
func (c *turn) icsDocument(a tori.Appointment, cancelled bool) {
	caption := c.t("ics.caption", nil)
	if cancelled {
		caption = c.t("ics.caption_cancel", nil)
	}
	data := ical.Booking(c.practice, a, c.icsText(a), c.Bot.now(), cancelled)
	c.res.Replies = append(c.res.Replies, Reply{ChatID: c.in.User.ChatID, Document: &Document{
		Name: "session-" + c.local(a.Start).Format("2006-01-02-1504") + ".ics", Data: data, Caption: caption,
	}})
}

// icsText is what a's event says to its client, in the turn's language.
func (c *turn) icsText(a tori.Appointment) ical.Text {
	s, _ := c.practice.Service(a.ServiceID)
	t, _ := c.practice.Therapist(a.TherapistID)
	summary := c.t("ics.summary", map[string]any{"Service": s.Name(c.lang, c.practice.Language), "Therapist": t.Name})
	desc := []string{c.practice.Name}
	if c.username != "" {
		desc = append(desc, c.t("ics.manage", map[string]any{"Link": "https://t.me/" + c.username}))
	}
	return ical.Text{Summary: summary, Description: strings.Join(desc, "\n")}
}

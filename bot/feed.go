package bot

import (
	"strings"

	"github.com/tori-bot/tori"
)

// feedURL is therapist tid's private calendar feed, served by package web,
// to subscribe to from any calendar app.
func (b *Bot) feedURL(tid, token string) string {
	return b.publicURL + "/calendar/" + tid + ".ics?token=" + token
}

// calendarLinks (/calendar) shows the sender's feed links (when PUBLIC_URL
// is set) and how each of their own calendars stands (always), to
// therapists only (not to staff); renew replaces tid's, which revokes the
// old one.
func (c *turn) calendarLinks(renew bool, tid string) {
	var lines []string
	var kb [][]Button
	therapist := false
	for _, t := range c.practice.Therapists {
		if !c.isTherapist(t) {
			continue
		}
		therapist = true

		if c.publicURL != "" {
			link, ok := c.calendarLink(t, renew && t.ID == tid)
			if !ok {
				return
			}
			lines = append(lines, link)
			kb = append(kb, []Button{{Text: c.t("button.calendar_new", map[string]any{"Therapist": t.Name}), Data: cb(vCalendarNew, t.ID)}})
		}
		sources, err := c.calendarSources(t)
		if err != nil {
			c.fail("calendar sources", err)
			return
		}
		if sources != "" {
			lines = append(lines, sources)
		}
	}

	switch {
	case c.publicURL == "" && therapist:
		c.show(strings.Join(append([]string{c.t("calendar.off", nil)}, lines...), "\n\n"), nil)
		return
	case c.publicURL == "":
		c.show(c.t("calendar.off", nil), nil)
		return
	case !therapist:
		c.show(c.t("calendar.therapists_only", nil), nil)
		return
	}
	if renew {
		c.res.Notice = c.t("calendar.renewed", nil)
	}
	c.show(c.t("calendar.links", map[string]any{"Links": strings.Join(lines, "\n\n")}), kb)
}

// isTherapist reports whether the sender is therapist t.
func (c *turn) isTherapist(t tori.Therapist) bool {
	for _, id := range t.TelegramIDs {
		if id == c.in.User.ID {
			return true
		}
	}
	return false
}

// calendarLink is t's feed link, made anew when renew is set; false when
// the token could not be had (the turn has failed).
func (c *turn) calendarLink(t tori.Therapist, renew bool) (string, bool) {
	get := c.store.CalendarToken
	if renew {
		get = c.store.NewCalendarToken
	}
	tok, err := get(c.ctx, t.ID)
	if err != nil {
		c.fail("calendar token", err)
		return "", false
	}
	return c.t("calendar.link", map[string]any{"Therapist": iso(c.lang, t.Name), "URL": esc(c.feedURL(t.ID, tok))}), true
}

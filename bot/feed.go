package bot

import "strings"

// feedURL is therapist tid's private calendar feed, served by package web,
// to subscribe to from any calendar app.
func (b *Bot) feedURL(tid, token string) string {
	return b.publicURL + "/calendar/" + tid + ".ics?token=" + token
}

// calendarLinks (/calendar) shows the sender's feed links, to therapists
// only (not to staff); renew replaces tid's, which revokes the old one.
func (c *turn) calendarLinks(renew bool, tid string) {
	if c.publicURL == "" {
		c.show(c.t("calendar.off", nil), nil)
		return
	}

	var lines []string
	var kb [][]Button
	for _, t := range c.practice.Therapists {
		mine := false
		for _, id := range t.TelegramIDs {
			mine = mine || id == c.in.User.ID
		}
		if !mine {
			continue
		}

		get := c.store.CalendarToken
		if renew && t.ID == tid {
			get = c.store.NewCalendarToken
		}
		tok, err := get(c.ctx, t.ID)
		if err != nil {
			c.fail("calendar token", err)
			return
		}
		lines = append(lines, c.t("calendar.link", map[string]any{"Therapist": iso(c.lang, t.Name), "URL": esc(c.feedURL(t.ID, tok))}))
		sources, err := c.calendarSources(t)
		if err != nil {
			c.fail("calendar sources", err)
			return
		}
		if sources != "" {
			lines = append(lines, sources)
		}
		kb = append(kb, []Button{{Text: c.t("button.calendar_new", map[string]any{"Therapist": t.Name}), Data: cb(vCalendarNew, t.ID)}})
	}

	if len(lines) == 0 {
		c.show(c.t("calendar.therapists_only", nil), nil)
		return
	}
	if renew {
		c.res.Notice = c.t("calendar.renewed", nil)
	}
	c.show(c.t("calendar.links", map[string]any{"Links": strings.Join(lines, "\n\n")}), kb)
}

package bot

import (
	"fmt"
	"strings"

	"github.com/tori-bot/tori"
)

// seriesOf reads the series the bookings in list are sessions of, for
// /my (one line for each series, its sessions each marked "weekly, 5 of
// 12"). A series whose record is gone is left out: its sessions are
// listed as single bookings.
func (c *turn) seriesOf(list []tori.Appointment) (map[string]tori.Series, error) {
	out := map[string]tori.Series{}
	for _, a := range list {
		if _, seen := out[a.Series]; a.Series == "" || seen {
			continue
		}
		sr, err := c.bookings.Series(c.ctx, a.Series)
		if tori.ErrorCode(err) == tori.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[a.Series] = sr
	}
	return out, nil
}

// entries groups bookings for /my: each single booking on its own, the
// sessions of each known series together, at the first of them.
func entries(list []tori.Appointment, series map[string]tori.Series) [][]tori.Appointment {
	var out [][]tori.Appointment
	at := map[string]int{}
	for _, a := range list {
		if _, known := series[a.Series]; !known {
			out = append(out, []tori.Appointment{a})
			continue
		}
		if i, ok := at[a.Series]; ok {
			out[i] = append(out[i], a)
			continue
		}
		at[a.Series] = len(out)
		out = append(out, []tori.Appointment{a})
	}
	return out
}

// seriesEntry is /my's line for series sr with upcoming sessions as,
// numbered n: its rhythm, its next session and how many are ahead, with
// the button that opens it.
func (c *turn) seriesEntry(n int, sr tori.Series, as []tori.Appointment) (string, []Button) {
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	line := c.cat.N(c.lang, "series.mine", len(as), map[string]any{
		"N":         n,
		"Service":   c.serviceLine(s),
		"Therapist": c.therapistName(sr.Rule.TherapistID),
		"Rhythm":    c.rhythm(c.lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration)),
		"Next":      c.whenRange(c.lang, as[0].Start, as[0].End),
		"Last":      c.shortDay(c.lang, tori.DateOf(c.local(as[len(as)-1].Start))),
	})
	label := c.t("button.series_open", map[string]any{"N": n, "Every": c.t(fmt.Sprintf("series.every.%d", sr.Rule.Every), nil)})
	return line, []Button{{Text: label, Data: cb(vSeriesOpen, sr.ID)}}
}

// nth writes which session of sr a is: "5 of 12" ("session 5" for a
// series until further notice); "" when sr does not list it.
func (c *turn) nth(sr tori.Series, a tori.Appointment) string {
	for i, e := range sr.Taken {
		if e.ID != a.ID {
			continue
		}
		if sr.Rule.Count == 0 {
			return c.t("series.nth_open", map[string]any{"N": i + 1})
		}
		return c.t("series.nth", map[string]any{"N": i + 1, "Of": len(sr.Taken)})
	}
	return ""
}

// seriesMark is what a session of a series says of it: "weekly, 5 of
// 12"; "" for a booking of no series (or one whose record is gone).
func (c *turn) seriesMark(a tori.Appointment) string {
	if a.Series == "" {
		return ""
	}
	sr, err := c.bookings.Series(c.ctx, a.Series)
	if err != nil {
		if tori.ErrorCode(err) != tori.ENOTFOUND {
			c.logFailure("load series", err, "user", c.in.User.ID)
		}
		return ""
	}
	every := c.t(fmt.Sprintf("series.every.%d", sr.Rule.Every), nil)
	if n := c.nth(sr, a); n != "" {
		return every + ", " + n
	}
	return every
}

// marked is seriesMark as it follows a line about a: " (weekly, 5 of
// 12)", or "" for a booking of no series. Every view that lists sessions
// (the client's, the agenda, /client) marks them with it.
func (c *turn) marked(a tori.Appointment) string {
	if mark := c.seriesMark(a); mark != "" {
		return " (" + mark + ")"
	}
	return ""
}

// seriesOpen shows one of the client's series: its sessions ahead, each
// with Reschedule and Cancel, and "cancel all" of them.
func (c *turn) seriesOpen(id string) {
	sr, err := c.bookings.OwnSeries(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("load series", err, refusals{tori.ENOTFOUND: c.saying("booking.gone")})
		return
	}

	as, err := c.sessionsOf(sr.ID)
	if err != nil {
		c.fail("upcoming", err)
		return
	}

	mine := []Button{{Text: c.t("button.mine", nil), Data: cb(vMine)}}
	if len(as) == 0 {
		c.show(c.t("series.none_left", nil), [][]Button{mine})
		return
	}

	s, _ := c.practice.Service(sr.Rule.ServiceID)
	var lines []string
	var kb [][]Button
	for i, a := range as {
		day := c.shortDay(c.lang, tori.DateOf(c.local(a.Start)))
		lines = append(lines, c.nth(sr, a)+" · "+day+", "+c.timeRange(c.lang, a.Start, a.End))
		if i < maxListed {
			kb = append(kb, []Button{
				{Text: c.t("button.reschedule_n", map[string]any{"Label": day}), Data: cb(vReschedule, a.ID)},
				{Text: c.t("button.cancel_n", map[string]any{"Label": day}), Data: cb(vCancelAsk, a.ID)},
			})
		}
	}

	if len(as) > 1 {
		kb = append(kb, []Button{{Text: c.cat.N(c.lang, "button.series_cancel_all", len(as), nil), Data: cb(vCancelRest, as[0].ID)}})
	}
	c.show(c.t("series.view", map[string]any{
		"Service":   c.serviceLine(s),
		"Therapist": c.therapistName(sr.Rule.TherapistID),
		"Rhythm":    c.rhythm(c.lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration)),
		"Lines":     strings.Join(lines, "\n"),
	}), append(kb, mine))
}

// sessionsOf is the client's upcoming sessions of series id.
func (c *turn) sessionsOf(id string) ([]tori.Appointment, error) {
	up, err := c.bookings.Upcoming(c.ctx, c.client())
	var as []tori.Appointment
	for _, a := range up {
		if a.Series == id {
			as = append(as, a)
		}
	}
	return as, err
}

// laterInSeries reports whether the client has a session of a's series
// after a.
func (c *turn) laterInSeries(a tori.Appointment) bool {
	as, err := c.sessionsOf(a.Series)
	if err != nil {
		c.logFailure("upcoming", err, "user", c.in.User.ID)
	}
	return len(as) > 0 && as[len(as)-1].Start.After(a.Start)
}

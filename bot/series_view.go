package bot

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/ical"
)

// maxChoiceRows is how many weeks in conflict get their own buttons
// (nearest time / skip); any beyond keep the nearest time, as listed.
const maxChoiceRows = 20

// longPlan is the length past which a plan's free weeks in a row are
// written as one line (a message holds 4,096 characters).
const longPlan = 3000

// seriesData is what every message about a series from held time h says:
// the session, with whom, how often, from when, and its price.
func (c *turn) seriesData(h tori.Appointment, every int) map[string]any {
	s, _ := c.practice.Service(h.ServiceID)
	return map[string]any{
		"Service":   c.serviceLine(s),
		"Therapist": c.therapistName(h.TherapistID),
		"Rhythm":    c.rhythm(c.lang, every, h.Start, h.End),
		"First":     c.longDate(c.lang, h.Start),
		"Price":     c.price(c.lang, h.Price),
		"Every":     every,
	}
}

// rhythm writes "weekly, on Tuesdays, 10:00–10:50".
func (b *Bot) rhythm(lang string, every int, start, end time.Time) string {
	return b.cat.T(lang, "series.rhythm."+strconv.Itoa(every), map[string]any{
		"Weekday": b.cat.T(lang, fmt.Sprintf("weekday.%d", b.local(start).Weekday()), nil),
		"Time":    b.timeRange(lang, start, end),
	})
}

// showPlan shows every week of plan p as draft d takes it, with a choice
// for each week in conflict that has a nearest free time, and the button
// that books them; note, if any, says why the weeks are shown again.
func (c *turn) showPlan(d seriesDraft, p tori.SeriesPlan, note string) {
	starts := d.starts(p)
	n := 0
	for _, st := range starts {
		if !st.IsZero() {
			n++
		}
	}
	rows := c.choiceRows(d, p)

	data := c.seriesData(d.h, d.every)
	data["Weeks"] = c.weekLines(d, p)
	data["Policy"] = c.policyText(tori.PayNone)
	data["Choose"] = len(rows) > 0
	data["Note"] = note
	book := c.cat.N(c.lang, "button.series_book", n, nil)
	data["Book"] = book
	data["None"] = n == 0

	kb := rows
	if n > 0 {
		kb = append(kb, []Button{{Text: book, Data: cb(vSeriesBook, d.h.ID, planArg(d.every, d.count), d.skip.String(), stampOf(starts))}})
	}
	kb = append(kb, []Button{
		{Text: c.t("button.back", nil), Data: cb(vSeriesCount, d.h.ID, strconv.Itoa(d.every))},
		{Text: c.t("button.cancel", nil), Data: cb(vAbandon, d.h.ID)},
	})
	c.show(c.t("series.plan", data), kb)
}

// choiceRows are, for each week in conflict with a nearest free time,
// "nearest: <time>" and "skip", the one chosen ticked.
func (c *turn) choiceRows(d seriesDraft, p tori.SeriesPlan) [][]Button {
	var rows [][]Button
	for _, o := range p.Occurrences {
		if o.Conflict == "" || d.ours(o) || o.Near.IsZero() || len(rows) == maxChoiceRows {
			continue
		}
		skipped := d.skip.has(o.Week)
		near := c.t("button.series_near", map[string]any{"When": c.shortWhen(c.lang, o.Near)})
		skip := c.t("button.series_skip", map[string]any{"Day": c.shortDay(c.lang, tori.DateOf(c.local(o.Start)))})
		if skipped {
			skip = "✓ " + skip
		} else {
			near = "✓ " + near
		}

		plan := planArg(d.every, d.count)
		rows = append(rows, []Button{
			{Text: near, Data: cb(vSeriesPlan, d.h.ID, plan, d.skip.without(o.Week).String())},
			{Text: skip, Data: cb(vSeriesPlan, d.h.ID, plan, d.skip.with(o.Week).String())},
		})
	}
	return rows
}

// weekLines lists the weeks of p: free ones briefly, each in conflict
// with why in plain words and what is taken instead (the nearest free
// time that week, or nothing). A long list writes free weeks in a row as
// one line.
func (c *turn) weekLines(d seriesDraft, p tori.SeriesPlan) string {
	lines := make([]string, len(p.Occurrences))
	free := make([]bool, len(p.Occurrences))
	size := 0
	for i, o := range p.Occurrences {
		data := map[string]any{"Day": c.shortDay(c.lang, tori.DateOf(c.local(o.Start)))}
		id := "series.week.free"
		if o.Conflict != "" && !d.ours(o) {
			data["Reason"] = c.t("series.reason."+string(o.Conflict), map[string]any{"Therapist": c.therapistName(d.h.TherapistID), "Holiday": c.holidayName(o.Start)})
			switch {
			case o.Near.IsZero():
				id = "series.week.none"
			case d.skip.has(o.Week):
				id = "series.week.skipped"
			default:
				id, data["Near"] = "series.week.instead", c.shortWhen(c.lang, o.Near)
			}
		}
		lines[i], free[i] = c.t(id, data), id == "series.week.free"
		size += len(lines[i]) + 1
	}

	if size <= longPlan {
		return strings.Join(lines, "\n")
	}
	return strings.Join(c.foldFree(p, lines, free), "\n")
}

// foldFree writes each run of three or more free weeks as one line.
func (c *turn) foldFree(p tori.SeriesPlan, lines []string, free []bool) []string {
	var out []string
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && free[j] {
			j++
		}
		if j-i < 3 {
			out = append(out, lines[i])
			i++
			continue
		}
		out = append(out, c.cat.N(c.lang, "series.week.free_run", j-i, map[string]any{
			"From": c.shortDay(c.lang, tori.DateOf(c.local(p.Occurrences[i].Start))),
			"To":   c.shortDay(c.lang, tori.DateOf(c.local(p.Occurrences[j-1].Start))),
		}))
		i = j
	}
	return out
}

// stampOf names the times a plan view offers to book: "Book" books them
// only if planning again gives the same.
func stampOf(starts []time.Time) string {
	h := fnv.New32a()
	for _, st := range starts {
		m := int64(0)
		if !st.IsZero() {
			m = st.Unix() / 60
		}
		_, _ = h.Write([]byte(strconv.FormatInt(m, 36) + ","))
	}
	return strconv.FormatUint(uint64(h.Sum32()&(1<<30-1)), 36)
}

// showSeriesBooked is the confirmation of series sr, whose upcoming
// sessions are as: every date, the weeks not booked, and what happens
// next.
func (c *turn) showSeriesBooked(sr tori.Series, as []tori.Appointment) {
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	first := tori.Appointment{ServiceID: s.ID, TherapistID: sr.Rule.TherapistID, Start: sr.Rule.First, End: sr.Rule.First.Add(s.Duration), Price: as[0].Price}
	data := c.seriesData(first, sr.Rule.Every)
	data["Where"] = c.where(as[0], true)
	data["Dates"] = c.dateLines(c.lang, as)
	data["Policy"] = c.policyText(tori.PayNone)

	var skipped []string
	for _, k := range sr.Missed {
		skipped = append(skipped, c.shortDay(c.lang, tori.DateOf(c.local(sr.Rule.First)).AddDays(7*sr.Rule.Every*k)))
	}
	data["Skipped"] = strings.Join(skipped, ", ")
	if tiers := c.practice.Policy.Tiers; len(tiers) > 0 && tiers[0].Percent == 100 {
		data["Free"] = c.hours(c.lang, tiers[0].MinNotice)
	}

	c.show(c.cat.N(c.lang, "series.booked", len(as), data), [][]Button{
		{{Text: c.t("button.mine", nil), Data: cb(vMine)}, {Text: c.t("button.book_another", nil), Data: cb(vBook)}},
	})
}

// dateLines lists sessions one a line: "• Tue 1/12, 10:00–10:50".
func (b *Bot) dateLines(lang string, as []tori.Appointment) string {
	lines := make([]string, len(as))
	for i, a := range as {
		lines[i] = "• " + b.shortDay(lang, tori.DateOf(b.local(a.Start))) + ", " + b.timeRange(lang, a.Start, a.End)
	}
	return strings.Join(lines, "\n")
}

// icsSeries attaches one calendar file with every session of as (package
// ical): to add them to a calendar, or, cancelled, to remove them.
func (c *turn) icsSeries(as []tori.Appointment, cancelled bool) {
	caption := c.cat.N(c.lang, "ics.caption_series", len(as), nil)
	if cancelled {
		caption = c.cat.N(c.lang, "ics.caption_series_cancel", len(as), nil)
	}
	data := ical.Bookings(c.practice, as, c.icsText(as[0]), c.Bot.now(), cancelled)
	c.res.Replies = append(c.res.Replies, Reply{ChatID: c.in.User.ChatID, Document: &Document{
		Name: "sessions-" + c.local(as[0].Start).Format("2006-01-02-1504") + ".ics", Data: data, Caption: caption,
	}})
}

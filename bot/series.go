package bot

import (
	"strconv"
	"time"

	"github.com/tori-bot/tori"
)

// seriesDraft is a series the client is looking at: from their held time
// h, every `every` weeks, count sessions, skipping the weeks in skip. The
// flow goes from the summary ("Make it weekly", "Every 2 weeks") to how
// many, to every week with a choice for each in conflict, to "Book N
// sessions"; h is the first week and the anchor of every button (it names
// the client, the service, the therapist and the time), held until then.
type seriesDraft struct {
	h            tori.Appointment
	every, count int
	skip         weeks
}

func (d seriesDraft) rule(c tori.Client) tori.SeriesRule {
	return tori.SeriesRule{TherapistID: d.h.TherapistID, ServiceID: d.h.ServiceID, Client: c, First: d.h.Start, Every: d.every, Count: d.count}
}

// ours reports whether o is in conflict only with the client's own held
// time, the series' first week: it is free for the series.
func (d seriesDraft) ours(o tori.Occurrence) bool {
	return o.Blocker == d.h.ID && (o.Conflict == tori.ReasonBooking || o.Conflict == tori.ReasonHold)
}

// starts is the time the client takes each week of p: the planned one
// when it is free (or is their own held time), the nearest free time that
// week for one in conflict unless they skip it, else none (zero).
func (d seriesDraft) starts(p tori.SeriesPlan) []time.Time {
	out := make([]time.Time, len(p.Occurrences))
	for i, o := range p.Occurrences {
		switch {
		case o.Conflict == "" || d.ours(o):
			out[i] = o.Start
		case !o.Near.IsZero() && !d.skip.has(o.Week):
			out[i] = o.Near
		}
	}
	return out
}

// seriesHold loads the client's held time a series starts from; false
// when there is none to start from (said so). A time booked on its own
// meanwhile shows its confirmation.
func (c *turn) seriesHold(id string) (tori.Appointment, bool) {
	h, err := c.bookings.Own(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("load hold", err, refusals{tori.ENOTFOUND: c.saying("hold.gone")})
		return tori.Appointment{}, false
	}
	switch {
	case h.Status == tori.StatusConfirmed:
		c.showBooked(h)
	case h.Moves != "" || h.Offer != "" || h.Series != "":
		c.say("hold.gone")
	default:
		return h, true
	}
	return tori.Appointment{}, false
}

// seriesMost is how many sessions a series from h, every `every` weeks,
// may have now: series.max_occurrences, and no week past the booking
// horizon.
func (c *turn) seriesMost(h tori.Appointment, every int) int {
	return c.seriesMostFrom(h.Start, every)
}

// seriesMostFrom is seriesMost for a series whose first session is at start.
func (c *turn) seriesMostFrom(start time.Time, every int) int {
	first := tori.DateOf(c.local(start))
	last := c.practice.LastBookableDay(c.now)
	n := 0
	for n < c.practice.Series.MaxOccurrences && !first.AddDays(7*every*n).After(last) {
		n++
	}
	return n
}

// countChoices is the numbers of sessions offered, up to most.
func countChoices(most int) []int {
	var out []int
	for _, n := range []int{4, 8, 12, 26, 52} {
		if n < most {
			out = append(out, n)
		}
	}
	if most >= 2 {
		out = append(out, most)
	}
	return out
}

// seriesButtons are the summary's "Make it weekly" and "Every 2 weeks",
// each when a series of at least two sessions fits before the horizon.
func (c *turn) seriesButtons(h tori.Appointment) []Button {
	var row []Button
	for _, every := range []int{1, 2} {
		if c.seriesMost(h, every) >= 2 {
			n := strconv.Itoa(every)
			row = append(row, Button{Text: c.t("button.series."+n, nil), Data: cb(vSeriesCount, h.ID, n)})
		}
	}
	return row
}

// seriesCount asks how many sessions, every `every` weeks from held time id.
func (c *turn) seriesCount(id string, every int) {
	h, ok := c.seriesHold(id)
	if !ok {
		return
	}

	back := []Button{{Text: c.t("button.back", nil), Data: cb(vSeriesBack, h.ID)}}
	most := c.seriesMost(h, every)
	data := c.seriesData(h, every)
	data["Days"] = c.practice.Policy.MaxDaysAhead
	if most < 2 {
		c.show(c.t("series.too_far", data), [][]Button{back})
		return
	}
	if most < c.practice.Series.MaxOccurrences {
		data["Most"] = most
	}

	var row []Button
	for _, n := range countChoices(most) {
		row = append(row, Button{Text: c.cat.N(c.lang, "button.series_count", n, nil), Data: cb(vSeriesPlan, h.ID, planArg(every, n), weeks{}.String())})
	}
	c.show(c.t("series.count", data), [][]Button{row, back})
}

// seriesPlan shows every week of the series as the client has chosen so far.
func (c *turn) seriesPlan(id string, every, count int, skip weeks) {
	h, ok := c.seriesHold(id)
	if !ok {
		return
	}
	d := seriesDraft{h: h, every: every, count: count, skip: skip}
	if p, ok := c.planSeries(d); ok {
		c.showPlan(d, p, "")
	}
}

// planSeries plans d (nothing is taken); false when it cannot be (said so).
func (c *turn) planSeries(d seriesDraft) (tori.SeriesPlan, bool) {
	p, err := c.bookings.PlanSeries(c.ctx, d.rule(c.client()))
	if err != nil {
		c.refuse("plan series", err, refusals{tori.EINVALID: func() {
			c.show(c.t("series.not_possible", c.withContact(nil)), [][]Button{{{Text: c.t("button.back", nil), Data: cb(vSeriesBack, d.h.ID)}}})
		}})
		return tori.SeriesPlan{}, false
	}
	return p, true
}

// seriesBack shows the held time's summary again.
func (c *turn) seriesBack(id string) {
	if h, ok := c.confirmable(id); ok {
		c.summary(h, tori.Appointment{})
	}
}

// seriesBook books the series as the client saw it (stamp): planned
// again, and if any week differs from what was shown, shown again rather
// than booked. The held first week is let go just before the series
// takes it with the others; the series is taken (all weeks or none) and
// booked at once, or, prepaid, its first week goes to payment and the
// others await theirs. A week taken meanwhile shows the weeks again.
func (c *turn) seriesBook(id string, every, count int, skip weeks, stamp string) {
	h, ok := c.seriesHold(id)
	if !ok {
		return
	}
	if c.seriesBookedBefore(h) {
		return
	}

	d := seriesDraft{h: h, every: every, count: count, skip: skip}
	p, ok := c.planSeries(d)
	if !ok {
		return
	}
	starts := d.starts(p)
	if stampOf(starts) != stamp {
		c.showPlan(d, p, c.t("series.changed", nil))
		return
	}

	if h.Status == tori.StatusHeld || h.Status == tori.StatusExpired {
		if err := c.bookings.Release(c.ctx, c.client(), h.ID); err != nil {
			c.fail("release the first week", err)
			return
		}
	}

	sr, err := c.bookings.TakeSeries(c.ctx, d.rule(c.client()), starts, c.in.MessageID)
	if err != nil {
		c.refuse("take series", err, refusals{
			tori.ECONFLICT: func() { c.planAgain(d, "series.taken") },
			tori.EINVALID:  func() { c.planAgain(d, "series.changed") },
			tori.ELIMIT:    func() { c.holdLimited(err) },
		})
		return
	}

	if sr.Status == tori.StatusConfirmed { // prepaid: its first week is paid now, each later one by its deadline
		c.seriesPayFirst(sr)
		return
	}
	if sr, err = c.bookings.ConfirmSeries(c.ctx, c.client(), sr.ID); err != nil {
		if rerr := c.bookings.ReleaseSeries(c.ctx, c.client(), sr.ID); rerr != nil {
			c.logFailure("release an unconfirmed series", rerr, "user", c.in.User.ID)
		}
		c.refuse("confirm series", err, refusals{tori.EEXPIRED: func() { c.planAgain(d, "series.taken") }})
		return
	}

	c.saveState(c.ctx, c.in.User.ChatID, state{})
	c.seriesBooked(sr, true)
}

// planAgain plans d again and shows it under note (message id).
func (c *turn) planAgain(d seriesDraft, note string) {
	if p, ok := c.planSeries(d); ok {
		c.showPlan(d, p, c.t(note, nil))
	}
}

// seriesBookedBefore shows the confirmation of the series already booked
// from held time h (a second press of "Book"), if there is one.
func (c *turn) seriesBookedBefore(h tori.Appointment) bool {
	if h.Status == tori.StatusHeld {
		return false
	}

	// Not held any more: perhaps booked as a series by an earlier press.
	up, err := c.bookings.Upcoming(c.ctx, c.client())
	if err != nil {
		c.fail("upcoming", err)
		return true
	}
	seen := map[string]bool{}
	for _, a := range up {
		if a.Series == "" || seen[a.Series] || a.TherapistID != h.TherapistID || a.ServiceID != h.ServiceID {
			continue
		}
		seen[a.Series] = true
		sr, err := c.bookings.Series(c.ctx, a.Series)
		if err == nil && sr.Rule.First.Equal(h.Start) {
			c.seriesBooked(sr, false)
			return true
		}
	}
	return false
}

// seriesBooked shows the booked series sr: its sessions, the calendar
// file with all of them and what happens next. fresh (this press booked
// it) tells the therapist, once for the whole series, and sends the file.
func (c *turn) seriesBooked(sr tori.Series, fresh bool) {
	as, ok := c.seriesSessions(c.client(), sr)
	if !ok {
		return
	}

	c.showSeriesBooked(sr, as)
	if fresh {
		c.notifySeries(sr, as, "notify.series_booked", nil)
		c.icsSeries(as, false)
	}
}

// seriesSessions is client cl's upcoming sessions of series sr; false
// when there are none (said so) or on a failure.
func (c *turn) seriesSessions(cl tori.Client, sr tori.Series) ([]tori.Appointment, bool) {
	up, err := c.bookings.Upcoming(c.ctx, cl)
	if err != nil {
		c.fail("upcoming", err)
		return nil, false
	}
	var as []tori.Appointment
	for _, a := range up {
		if a.Series == sr.ID {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		c.say("booking.gone")
		return nil, false
	}
	return as, true
}

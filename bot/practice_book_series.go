package bot

import (
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// forSeries is a series the practice books from at: planned (nothing
// taken) and shown with every week, those in conflict at the nearest free
// time that week or skipped, those outside the client-facing rules named;
// then, on "Book", planned again and taken in one atomic step if it is
// still what was shown (the stamp kept in the chat state).
func (c *turn) forSeries(d forDraft, at time.Time, o forOpts) {
	paid, err := c.bookings.PaidOnline(c.ctx, d.client, d.svc.ID)
	if err != nil {
		c.fail("paid online", err)
		return
	}
	if paid && (o.pay == 0 || o.pay == 'b' && d.client.Offline()) {
		c.forAskSeriesPay(d, at, o)
		return
	}

	r := tori.SeriesRule{TherapistID: d.thr, ServiceID: d.svc.ID, Client: d.client, First: at, Every: o.every, Count: o.count,
		ByPractice: true, PayAtSession: o.pay == 's'}
	p, err := c.bookings.PlanSeries(c.ctx, r)
	if err != nil {
		c.refuse("plan series", err, refusals{tori.EINVALID: func() {
			c.show(c.t("for.series_not_possible", nil), [][]Button{{{Text: c.t("button.back", nil), Data: cb(vForTime, d.tok, d.svc.ID, d.thr, timeArg(at))}}})
		}})
		return
	}
	sd := forSeriesDraft(d, at, o, p)
	starts := sd.starts(p)
	warned := forWarned(p, starts)
	if !o.do {
		c.saveState(c.ctx, c.in.User.ChatID, c.loadState(c.ctx, c.in.User.ChatID).forKept(stampOf(starts)))
		c.forShowPlan(d, at, o, sd, p, "")
		return
	}

	// "Book": only what was shown, and times outside the rules only "anyway".
	if c.loadState(c.ctx, c.in.User.ChatID).ForPlan != stampOf(starts) || len(warned) > 0 && !o.anyway {
		c.forShowPlan(d, at, o.with(func(o *forOpts) { o.do = false }), sd, p, c.t("series.changed", nil))
		return
	}
	r.Anyway = len(warned) > 0
	sr, err := c.bookings.TakeSeries(c.ctx, r, starts, 0)
	if err != nil {
		again := func(note string) func() {
			return func() { c.forSeries(d, at, o.with(func(o *forOpts) { o.do = false })); c.forNote(note) }
		}
		c.refuse("take series", err, refusals{tori.ECONFLICT: again("series.taken"), tori.EINVALID: again("series.changed")})
		return
	}
	c.forSeriesBooked(sr)
}

// forNote puts note above the last message this turn shows.
func (c *turn) forNote(note string) {
	if n := len(c.res.Replies); n > 0 {
		c.res.Replies[n-1].Text = c.t(note, nil) + "\n\n" + c.res.Replies[n-1].Text
	}
}

// forSeriesDraft is the series as the plan views show it: from at, its
// weeks in conflict skipped when o says so.
func forSeriesDraft(d forDraft, at time.Time, o forOpts, p tori.SeriesPlan) seriesDraft {
	sd := seriesDraft{h: tori.Appointment{TherapistID: d.thr, ServiceID: d.svc.ID, Start: at, End: at.Add(d.svc.Duration), Price: d.svc.Price}, every: o.every, count: o.count}
	if o.skip {
		for _, w := range p.Conflicts() {
			sd.skip = sd.skip.with(w.Week)
		}
	}
	return sd
}

// forWarned is the weeks of p booked at their planned time that break a
// client-facing rule (outside working hours, a day off).
func forWarned(p tori.SeriesPlan, starts []time.Time) []tori.Occurrence {
	var out []tori.Occurrence
	for i, o := range p.Occurrences {
		if o.Warn != "" && !starts[i].IsZero() && starts[i].Equal(o.Start) {
			out = append(out, o)
		}
	}
	return out
}

// forShowPlan shows every week of the series, and the button that books them.
func (c *turn) forShowPlan(d forDraft, at time.Time, o forOpts, sd seriesDraft, p tori.SeriesPlan, note string) {
	starts := sd.starts(p)
	n := 0
	for _, st := range starts {
		if !st.IsZero() {
			n++
		}
	}
	warned := forWarned(p, starts)
	var days []string
	for _, w := range warned {
		days = append(days, c.shortDay(c.lang, tori.DateOf(c.local(w.Start))))
	}

	data := c.forSessionData(d, at)
	data["Rhythm"] = c.rhythm(c.lang, o.every, at, at.Add(d.svc.Duration))
	data["Weeks"] = c.weekLines(sd, p)
	data["Warned"] = strings.Join(days, ", ")
	data["Open"] = o.count == 0
	data["Ahead"] = c.weeksOf(c.practice.Series.Ahead)
	data["Note"] = note
	data["PayAtSession"] = o.pay == 's'
	if o.pay == 'b' {
		data["Note"] = strings.TrimSpace(note + "\n\n" + c.t("for.plan_pay_button", map[string]any{"Notice": c.hours(c.lang, c.practice.Policy.FirstRefundBoundary())}))
	}

	var kb [][]Button
	if n > 0 {
		label := c.cat.N(c.lang, "button.series_book", n, nil)
		if len(warned) > 0 {
			label = c.cat.N(c.lang, "button.for_series_anyway", n, nil)
		}
		kb = append(kb, []Button{{Text: label, Data: c.forData(d, at, o.with(func(o *forOpts) { o.anyway, o.do = len(warned) > 0, true }))}})
	}
	if hasNear(p) {
		toggle := "button.for_skip_conflicts"
		if o.skip {
			toggle = "button.for_near_conflicts"
		}
		kb = append(kb, []Button{{Text: c.t(toggle, nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.skip = !o.skip }))}})
	}
	kb = append(kb, []Button{{Text: c.t("button.back", nil), Data: c.forData(d, at, forOpts{every: o.every, count: -1, pay: o.pay})}})
	c.show(c.t("for.plan", data), kb)
}

// hasNear reports whether a week of p in conflict has a nearest free time
// (so that skipping it is a choice).
func hasNear(p tori.SeriesPlan) bool {
	for _, o := range p.Conflicts() {
		if !o.Near.IsZero() {
			return true
		}
	}
	return false
}

// forAskSeriesPay asks how a series of a service paid online is paid: a
// pay button before each session (each week awaits its payment, released
// unpaid by its deadline), or at each session. A client without Telegram
// cannot be sent a pay button: only the latter, saying why.
func (c *turn) forAskSeriesPay(d forDraft, at time.Time, o forOpts) {
	data := c.forSessionData(d, at)
	data["Notice"] = c.hours(c.lang, c.practice.Policy.FirstRefundBoundary())
	var kb [][]Button
	id := "for.series_pay_ask"
	if d.client.Offline() {
		id = "for.series_pay_offline"
	} else {
		kb = append(kb, []Button{{Text: c.t("button.for_series_pay_button", nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.pay = 'b' }))}})
	}
	kb = append(kb, []Button{{Text: c.t("button.for_pay_session", nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.pay = 's' }))}},
		[]Button{{Text: c.t("button.back", nil), Data: cb(vForTime, d.tok, d.svc.ID, d.thr, timeArg(at))}})
	c.show(c.t(id, data), kb)
}

// forSeriesBooked tells the sender the series is booked, the therapist
// (when someone else booked it) in one notice, and the client (with
// Telegram) their sessions with one calendar file, saying the practice
// booked them.
func (c *turn) forSeriesBooked(sr tori.Series) {
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	as, ok := c.forSeriesWeeks(sr)
	if !ok {
		return
	}

	s, _ := c.practice.Service(sr.Rule.ServiceID)
	end := sr.Rule.First.Add(s.Duration)
	c.show(c.cat.N(c.lang, "for.series_booked", len(as), map[string]any{
		"Client": clientRef(c.lang, as[0].Client), "Rhythm": c.rhythm(c.lang, sr.Rule.Every, sr.Rule.First, end),
		"Dates": c.dateLines(c.lang, as), "Open": sr.Rule.Count == 0,
	})+c.forSeriesBookedPay(as), nil)
	byTherapist := c.isTherapistOf(sr.Rule.TherapistID)
	if !byTherapist {
		c.notifySeries(sr, as, "notify.series_booked", nil)
	}
	if as[0].Client.ChatID == 0 {
		return // a client without Telegram is never messaged
	}
	ct := c.Bot.turnFor(c.ctx, as[0])
	ct.in.MessageID = 0
	text := ct.cat.N(ct.lang, "for.client_series", len(as), map[string]any{
		"By": ct.bookerName(sr.Rule.TherapistID, byTherapist), "Rhythm": ct.rhythm(ct.lang, sr.Rule.Every, sr.Rule.First, end),
		"Dates": ct.dateLines(ct.lang, as), "Where": ct.where(as[0], true), "Policy": ct.policyText(as[0].Payment), "Open": sr.Rule.Count == 0,
	}) + ct.forSeriesPayNote(as)
	ct.res.Replies = append(ct.res.Replies, Reply{ChatID: as[0].Client.ChatID, Text: text, Retry: noticeRetry(as[0].Client.ChatID, text),
		Keyboard: [][]Button{{{Text: ct.t("button.mine", nil), Data: cb(vMine)}}}})
	ct.icsSeries(as, false)
	c.res.Replies = append(c.res.Replies, ct.res.Replies...)
}

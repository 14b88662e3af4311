package bot

import (
	"time"

	"github.com/tori-bot/tori"
)

// forMark is what marks a time outside the client-facing rules in the
// practice's week and day.
const forMark = " *"

// forHorizon is how far ahead the practice's week view goes.
const forHorizon = 366

// forWeek shows the practice the week that starts on or before day (this
// week for a zero day): every day with a free time it may book, a day
// whose every time is outside the client-facing rules marked.
func (c *turn) forWeek(tok, svcID, thrID string, day tori.Date) {
	d, ok := c.forLoad(tok, svcID, thrID)
	if !ok {
		return
	}
	first := c.practice.FirstWeekday
	today := c.practice.Today(c.now)
	thisWeek, last := today.WeekStart(first), today.AddDays(forHorizon)
	start := latest(day, today).WeekStart(first)
	if start.Before(thisWeek) || start.After(last) {
		start = thisWeek
	}
	end := start.AddDays(6)
	slots, err := c.bookings.PracticeSlots(c.ctx, d.svc.ID, d.thr, start, end)
	if err != nil {
		c.fail("practice slots", err)
		return
	}

	// A day's button, marked when none of its times is one a client could book.
	byDay, plain := map[tori.Date]int{}, map[tori.Date]bool{}
	for _, s := range slots {
		day := tori.DateOf(c.local(s.Start))
		byDay[day]++
		plain[day] = plain[day] || s.Warn == ""
	}
	var kb [][]Button
	var row []Button
	for dd := start; !dd.After(end); dd = dd.AddDays(1) {
		if byDay[dd] == 0 {
			continue
		}
		label := c.shortDay(c.lang, dd)
		if !plain[dd] {
			label += forMark
		}
		row = append(row, Button{Text: label, Data: cb(vForDay, d.tok, d.svc.ID, d.thr, dayArg(dd))})
		if len(row) == 3 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}

	var nav []Button
	if start.After(thisWeek) {
		nav = append(nav, Button{Text: c.t("button.prev_week", nil), Data: cb(vForWeek, d.tok, d.svc.ID, d.thr, dayArg(start.AddDays(-7)))})
	}
	if !start.AddDays(7).After(last) {
		nav = append(nav, Button{Text: c.t("button.next_week", nil), Data: cb(vForWeek, d.tok, d.svc.ID, d.thr, dayArg(start.AddDays(7)))})
	}
	kb = append(kb, nav, []Button{{Text: c.t("button.back", nil), Data: cb(vForServices, d.tok)}})
	data := c.forTitle(d)
	data["From"], data["To"] = c.shortDay(c.lang, start), c.shortDay(c.lang, end)
	data["Empty"] = len(byDay) == 0
	c.show(c.t("for.week", data), kb)
}

// forTitle is what every step of the flow names: for whom, what, with whom.
func (c *turn) forTitle(d forDraft) map[string]any {
	return map[string]any{"Client": clientRef(c.lang, d.client), "Service": c.serviceLine(d.svc), "Therapist": c.therapistName(d.thr)}
}

// forDay shows a day's free times for the practice.
func (c *turn) forDay(tok, svcID, thrID string, day tori.Date) {
	if d, ok := c.forLoad(tok, svcID, thrID); ok {
		c.forShowDay(d, day, "")
	}
}

// forShowDay lists day's free times, those outside the client-facing
// rules marked; note, if any, says why the day is shown.
func (c *turn) forShowDay(d forDraft, day tori.Date, note string) {
	slots, err := c.bookings.PracticeSlots(c.ctx, d.svc.ID, d.thr, day, day)
	if err != nil {
		c.fail("practice slots", err)
		return
	}
	kb := timeButtons(practiceSlots(slots), 4, func(s tori.Slot) Button {
		label := c.local(s.Start).Format("15:04")
		if s.TherapistID != "" { // a warned time (see practiceSlots)
			label += forMark
		}
		return Button{Text: label, Data: cb(vForTime, d.tok, d.svc.ID, d.thr, timeArg(s.Start))}
	})
	kb = append(kb, []Button{{Text: c.t("button.back_week", nil), Data: cb(vForWeek, d.tok, d.svc.ID, d.thr, dayArg(day))}})
	data := c.forTitle(d)
	data["Date"] = c.longDate(c.lang, day.At(12*60, c.practice.Location))
	data["Empty"] = len(slots) == 0
	data["Note"] = note
	c.show(c.t("for.day", data), kb)
}

// practiceSlots writes practice slots as slots for timeButtons, a warned
// one with a non-empty TherapistID.
func practiceSlots(in []tori.PracticeSlot) []tori.Slot {
	out := make([]tori.Slot, len(in))
	for i, s := range in {
		out[i] = tori.Slot{Start: s.Start, TherapistID: string(s.Warn)}
	}
	return out
}

// forTime is a time chosen: the summary.
func (c *turn) forTime(tok, svcID, thrID string, at time.Time) {
	if d, ok := c.forLoad(tok, svcID, thrID); ok {
		c.forSummary(d, at)
	}
}

// forSessionData is what the summary and the questions after it say.
func (c *turn) forSessionData(d forDraft, at time.Time) map[string]any {
	data := c.forTitle(d)
	data["When"] = c.whenRange(c.lang, at, at.Add(d.svc.Duration))
	data["Price"] = c.price(c.lang, d.svc.Price)
	return data
}

// forSummary shows the session to book, and asks: once, every week, or
// every 2 weeks? Nothing is taken yet.
func (c *turn) forSummary(d forDraft, at time.Time) {
	warn, err := c.bookings.PracticeWarning(d.svc.ID, d.thr, at)
	if err != nil {
		c.refuse("practice warning", err, refusals{tori.EINVALID: func() { c.forPast(d, at) }})
		return
	}
	data := c.forSessionData(d, at)
	if warn != "" {
		data["Warn"] = c.t("for.warn."+string(warn), nil)
	}
	once := forOpts{count: -1}
	c.show(c.t("for.summary", data), [][]Button{
		{{Text: c.t("button.for_once", nil), Data: c.forData(d, at, once)}},
		{{Text: c.t("button.series.1", nil), Data: c.forData(d, at, forOpts{every: 1, count: -1})}, {Text: c.t("button.series.2", nil), Data: c.forData(d, at, forOpts{every: 2, count: -1})}},
		{{Text: c.t("button.change_time", nil), Data: cb(vForDay, d.tok, d.svc.ID, d.thr, dayArg(tori.DateOf(c.local(at))))}},
	})
}

// forAskAnyway asks before booking a time outside the client-facing rules.
func (c *turn) forAskAnyway(d forDraft, at time.Time, o forOpts, warn tori.Reason) {
	data := c.forSessionData(d, at)
	data["Warn"] = c.t("for.warn."+string(warn), nil)
	c.show(c.t("for.anyway", data), [][]Button{
		{{Text: c.t("button.for_anyway", nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.anyway = true }))}},
		{{Text: c.t("button.change_time", nil), Data: cb(vForDay, d.tok, d.svc.ID, d.thr, dayArg(tori.DateOf(c.local(at))))}},
	})
}

// forAskPay asks how a session of a service paid online is paid: a pay
// button until the deadline (when there is time for one, and the client
// can be sent one: not a client without Telegram), or at the session.
func (c *turn) forAskPay(d forDraft, at time.Time, o forOpts) {
	data := c.forSessionData(d, at)
	var kb [][]Button
	id := "for.pay"
	if d.client.Offline() {
		id = "for.pay_offline"
	} else if by, ok := c.bookings.PayDeadline(at, c.now); ok {
		data["PayBy"] = c.when(c.lang, by)
		kb = append(kb, []Button{{Text: c.t("button.for_pay_button", data), Data: c.forData(d, at, o.with(func(o *forOpts) { o.pay = 'b' }))}})
	}
	kb = append(kb, []Button{{Text: c.t("button.for_pay_session", nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.pay = 's' }))}},
		[]Button{{Text: c.t("button.change_time", nil), Data: cb(vForDay, d.tok, d.svc.ID, d.thr, dayArg(tori.DateOf(c.local(at))))}})
	c.show(c.t(id, data), kb)
}

// forTaken says the time is not free (a booking, a hold or time off) and
// shows that day again.
func (c *turn) forTaken(d forDraft, at time.Time) {
	c.forShowDay(d, tori.DateOf(c.local(at)), c.t("for.taken", map[string]any{"When": c.shortWhen(c.lang, at)}))
}

// forPast says the time has passed and shows that day again.
func (c *turn) forPast(d forDraft, at time.Time) {
	c.forShowDay(d, tori.DateOf(c.local(at)), c.t("for.past", map[string]any{"When": c.shortWhen(c.lang, at)}))
}

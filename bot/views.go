package bot

import (
	"time"

	"github.com/tori-bot/tori"
)

// calendar is one calendar the client browses: a service with a therapist
// (or anyone), for a new booking or for moving booking appt.
type calendar struct {
	svc   tori.Service
	thr   string           // "" = first available
	appt  tori.Appointment // the booking being moved, if any
	title string           // HTML first line
}

func (k calendar) moving() bool { return k.appt.ID != "" }

func (k calendar) weekData(d tori.Date) string {
	if k.moving() {
		return cb(vRescheduleWk, k.appt.ID, dayArg(d))
	}
	return cb(vWeek, k.svc.ID, thr(k.thr), dayArg(d))
}

func (k calendar) dayData(d tori.Date) string {
	if k.moving() {
		return cb(vRescheduleDy, k.appt.ID, dayArg(d))
	}
	return cb(vDay, k.svc.ID, thr(k.thr), dayArg(d))
}

func (k calendar) timeData(t time.Time) string {
	if k.moving() {
		return cb(vRescheduleTm, k.appt.ID, timeArg(t))
	}
	return cb(vTime, k.svc.ID, thr(k.thr), timeArg(t))
}

// backData leaves the calendar: to the bookings list when moving, else to
// the therapist choice or the service list.
func (c *turn) backData(k calendar) string {
	switch {
	case k.moving():
		return cb(vMine)
	case c.practice.NumTherapistsFor(k.svc) > 1:
		return cb(vService, k.svc.ID)
	}
	return cb(vBook)
}

func (c *turn) slots(k calendar, from, to tori.Date) ([]tori.Slot, error) {
	if k.moving() {
		return c.bookings.RescheduleSlots(c.ctx, c.client(), k.appt.ID, from, to)
	}
	return c.bookings.FreeSlots(c.ctx, k.svc.ID, k.thr, from, to)
}

// showWeek shows the week that starts on or before day: only days with free
// times, and buttons to the previous and next week and month, never before
// this week or past the booking horizon. A zero day means the week of the
// first free time.
func (c *turn) showWeek(k calendar, day tori.Date) {
	first := c.practice.FirstWeekday
	today, last := c.practice.Today(c.now), c.practice.LastBookableDay(c.now)
	thisWeek := today.WeekStart(first)

	// all: the free times from the first one's week on, when looked for.
	var all []tori.Slot
	if day.IsZero() {
		var ok bool
		if day, all, ok = c.firstFree(k, today, last); !ok {
			return
		}
	}

	start := day.WeekStart(first)
	if start.Before(thisWeek) {
		start = thisWeek
	}
	if start.After(last) {
		start = last.WeekStart(first)
	}

	end := start.AddDays(6)
	slots, ok := c.weekSlots(k, start, end, all)
	if !ok {
		return
	}

	byDay := tori.SlotsByDay(slotTimes(slots), c.practice.Location)
	kb := c.dayButtons(k, byDay, start, end)
	kb = append(kb, c.weekNav(k, start, thisWeek, last)...)
	if !k.moving() {
		kb = append(kb, c.waitJoinButton(k, latest(start, today), earliest(end, last), "button.wait_join_week"))
	}
	kb = append(kb, []Button{{Text: c.t("button.back", nil), Data: c.backData(k)}})

	data := map[string]any{"From": c.shortDay(c.lang, start), "To": c.shortDay(c.lang, end)}
	text := k.title + "\n\n" + c.t("week.choose", data)
	if len(byDay) == 0 {
		text = k.title + "\n\n" + c.t("week.empty", data)
	}
	c.show(text+c.closureLines(k, start, end), kb)
}

// firstFree finds the day of the first free time and the free times from
// its week on: in this week most often (then its times are the week's),
// else in the rest of the horizon, read in one go. false when there is
// none (said so, with a button to join the waitlist) or on a failure.
func (c *turn) firstFree(k calendar, today, last tori.Date) (tori.Date, []tori.Slot, bool) {
	thisWeek := today.WeekStart(c.practice.FirstWeekday)
	all, err := c.slots(k, today, thisWeek.AddDays(6))
	if err == nil && len(all) == 0 && thisWeek.AddDays(6).Before(last) {
		all, err = c.slots(k, thisWeek.AddDays(7), last)
	}
	if err != nil {
		c.fail("free slots", err)
		return tori.Date{}, nil, false
	}
	if len(all) == 0 {
		c.noneAtAll(k, today, last)
		return tori.Date{}, nil, false
	}
	return tori.DateOf(c.local(all[0].Start)), all, true
}

// noneAtAll says nothing is free in the whole horizon, and offers the
// waitlist for the days it covers.
func (c *turn) noneAtAll(k calendar, today, last tori.Date) {
	kb := [][]Button{{{Text: c.t("button.back", nil), Data: c.backData(k)}}}
	if !k.moving() {
		to := earliest(today.AddDays(c.practice.Waitlist.MaxDays-1), last)
		kb = append([][]Button{c.waitJoinButton(k, today, to, "button.wait_join_soon")}, kb...)
	}
	c.show(k.title+"\n\n"+c.t("week.none_at_all", c.withContact(map[string]any{"Days": c.practice.Policy.MaxDaysAhead})), kb)
}

// weekSlots is the free times of the week start..end: the head of all when
// they were read already, else read now. false on a failure (said so).
func (c *turn) weekSlots(k calendar, start, end tori.Date, all []tori.Slot) ([]tori.Slot, bool) {
	if all == nil {
		slots, err := c.slots(k, start, end)
		if err != nil {
			c.fail("free slots", err)
			return nil, false
		}
		return slots, true
	}

	var slots []tori.Slot
	for _, s := range all {
		if tori.DateOf(c.local(s.Start)).After(end) {
			break
		}
		slots = append(slots, s)
	}
	return slots, true
}

// dayButtons are the days of start..end with free times, three a row.
func (c *turn) dayButtons(k calendar, byDay map[tori.Date][]time.Time, start, end tori.Date) [][]Button {
	var kb [][]Button
	var row []Button
	for d := start; !d.After(end); d = d.AddDays(1) {
		if len(byDay[d]) == 0 {
			continue
		}
		row = append(row, Button{Text: c.shortDay(c.lang, d), Data: k.dayData(d)})
		if len(row) == 3 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	return kb
}

// weekNav is the rows to the previous and next week, and the previous and
// next month, of the week that starts on start: never before this week or
// past the last bookable day.
func (c *turn) weekNav(k calendar, start, thisWeek, last tori.Date) [][]Button {
	first := c.practice.FirstWeekday
	var nav, navMonth []Button
	if start.After(thisWeek) {
		nav = append(nav, Button{Text: c.t("button.prev_week", nil), Data: k.weekData(start.AddDays(-7))})
	}
	if !start.AddDays(7).After(last) {
		nav = append(nav, Button{Text: c.t("button.next_week", nil), Data: k.weekData(start.AddDays(7))})
	}

	if start.After(thisWeek) {
		prev := latest(addMonths(start, -1).WeekStart(first), thisWeek)
		navMonth = append(navMonth, Button{Text: c.t("button.prev_month", nil), Data: k.weekData(prev)})
	}
	if next := addMonths(start, 1); !next.WeekStart(first).After(last) {
		navMonth = append(navMonth, Button{Text: c.t("button.next_month", nil), Data: k.weekData(next.WeekStart(first))})
	}

	var kb [][]Button
	for _, r := range [][]Button{nav, navMonth} {
		if len(r) > 0 {
			kb = append(kb, r)
		}
	}
	return kb
}

// earliest is the earlier of two days, latest the later.
func earliest(a, b tori.Date) tori.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b tori.Date) tori.Date {
	if b.After(a) {
		return b
	}
	return a
}

func addMonths(d tori.Date, n int) tori.Date {
	t := time.Date(d.Year, d.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	day := d.Day
	if dim := time.Date(t.Year(), t.Month()+1, 0, 12, 0, 0, 0, time.UTC).Day(); day > dim {
		day = dim
	}
	return tori.Date{Year: t.Year(), Month: t.Month(), Day: day}
}

func slotTimes(s []tori.Slot) []time.Time {
	out := make([]time.Time, len(s))
	for i, x := range s {
		out[i] = x.Start
	}
	return out
}

// showDay lists a day's free start times.
func (c *turn) showDay(k calendar, day tori.Date) {
	slots, err := c.slots(k, day, day)
	if err != nil {
		c.fail("free slots", err)
		return
	}

	back := []Button{{Text: c.t("button.back_week", nil), Data: k.weekData(day)}}
	var wait [][]Button
	if !k.moving() {
		wait = [][]Button{c.waitJoinButton(k, day, day, "button.wait_join_day")}
	}
	cl, closed := c.closure(day, c.calendarTherapists(k))
	if len(slots) == 0 {
		text := c.t("day.empty", map[string]any{"Date": c.longDate(c.lang, day.In(c.practice.Location))})
		if closed && cl.AllDay() {
			text, wait = c.t("day.closed", map[string]any{"Date": c.longDate(c.lang, day.At(12*60, c.practice.Location)), "Name": iso(c.lang, cl.Name(c.lang, c.practice.Language))}), nil
		}
		c.show(k.title+"\n\n"+text, append(wait, back))
		return
	}

	// On the night clocks go back an hour repeats: name the zone to tell the two apart.
	seen := map[string]int{}
	for _, s := range slots {
		seen[c.local(s.Start).Format("15:04")]++
	}
	text := c.t("day.choose", map[string]any{"Date": c.longDate(c.lang, day.At(12*60, c.practice.Location))})
	if closed {
		text += "\n" + c.closureLine(cl)
	}
	c.show(k.title+"\n\n"+text,
		append(timeButtons(slots, 4, func(s tori.Slot) Button {
			label := c.local(s.Start).Format("15:04")
			if seen[label] > 1 {
				label = c.local(s.Start).Format("15:04 MST")
			}
			return Button{Text: label, Data: k.timeData(s.Start)}
		}), append(wait, back)...))
}

func timeButtons(slots []tori.Slot, perRow int, mk func(tori.Slot) Button) [][]Button {
	var kb [][]Button
	var row []Button
	for _, s := range slots {
		row = append(row, mk(s))
		if len(row) == perRow {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	return kb
}

// showTaken tells the loser of a race what happened and offers the nearest
// free times around the one they wanted: those the failed hold read
// (err, a tori.TakenError), or read now.
func (c *turn) showTaken(k calendar, want time.Time, err error) {
	text := c.t("taken", map[string]any{"When": c.shortWhen(c.lang, want)})
	if slots, ok := tori.NearSlots(err); ok {
		c.offerSlots(k, want, text, slots)
		return
	}
	c.offerNearest(k, want, text)
}

// offerNearest shows text, then the free times nearest to want as buttons
// (or that nothing near is free).
func (c *turn) offerNearest(k calendar, want time.Time, text string) {
	day := tori.DateOf(c.local(want))
	slots, err := c.slots(k, day.AddDays(-tori.NearBefore), day.AddDays(tori.NearAfter))
	if err != nil {
		c.fail("free slots", err)
		return
	}
	c.offerSlots(k, want, text, slots)
}

// offerSlots shows text, then the times of slots nearest to want (slots of
// the days around it) as buttons.
func (c *turn) offerSlots(k calendar, want time.Time, text string, slots []tori.Slot) {
	day := tori.DateOf(c.local(want))
	near := tori.Nearest(slotTimes(slots), want, 6)

	var kb [][]Button
	var row []Button
	for _, t := range near {
		row = append(row, Button{Text: c.shortWhen(c.lang, t), Data: k.timeData(t)})
		if len(row) == 2 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	kb = append(kb, []Button{{Text: c.t("button.other_days", nil), Data: k.weekData(day)}})

	more := "nearest.some"
	if len(near) == 0 {
		more = "nearest.none"
	}
	c.show(k.title+"\n\n"+text+" "+c.t(more, nil), kb)
}

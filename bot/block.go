package bot

import (
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// blockStart begins /block, time off: it walks through a calendar like the
// client's (every day, not only free ones): a day, then the whole day, part
// of it, or several days; then it lists the bookings in the way and asks
// whether to cancel them as the practice (blockAsk). Blocks take effect at
// once. /unblock lists them (unblockList).
func (c *turn) blockStart() {
	ts := c.managed()
	if len(ts) == 1 {
		c.blockWeek(ts[0].ID, c.practice.Today(c.now), tori.Date{})
		return
	}
	var kb [][]Button
	for _, t := range ts {
		kb = append(kb, []Button{{Text: t.Name, Data: cb(vBlockWeek, t.ID, dayArg(c.practice.Today(c.now)))}})
	}
	c.show(c.t("block.therapist", nil), kb)
}

// blockWeek shows the week of day to choose from. With from set, the
// choice is the last of several days starting then: the days before it are
// left out and the weeks after it can be paged through.
func (c *turn) blockWeek(tid string, day, from tori.Date) {
	first := c.practice.FirstWeekday
	earliest := c.practice.Today(c.now)
	if !from.IsZero() {
		earliest = from
	}
	start := latest(day.WeekStart(first), earliest.WeekStart(first))

	kb := c.blockDays(tid, start, earliest, from)
	kb = append(kb, c.blockWeekNav(tid, start, earliest, from))

	id := "block.choose_day"
	data := map[string]any{"Therapist": c.therapistName(tid)}
	if !from.IsZero() {
		id = "block.choose_last_day"
		data["From"] = c.shortDay(c.lang, from)
	}
	c.show(c.t(id, data), kb)
}

// blockDays are the days of the week from start, none before earliest,
// three a row: each leads to what to block that day, or, with from set,
// is the last day of a block from from.
func (c *turn) blockDays(tid string, start, earliest, from tori.Date) [][]Button {
	var kb [][]Button
	var row []Button
	for d := start; d.Before(start.AddDays(7)); d = d.AddDays(1) {
		if d.Before(earliest) {
			continue
		}
		data := cb(vBlockDay, tid, dayArg(d))
		if !from.IsZero() {
			data = cb(vBlockAsk, tid, blockSpec{From: from, To: d}.String())
		}
		row = append(row, Button{Text: c.shortDay(c.lang, d), Data: data})
		if len(row) == 3 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	return kb
}

// blockWeekNav leads to the week before (not before earliest's) and the
// week after (for several days, up to a year after the first).
func (c *turn) blockWeekNav(tid string, start, earliest, from tori.Date) []Button {
	week := func(d tori.Date) string {
		if from.IsZero() {
			return cb(vBlockWeek, tid, dayArg(d))
		}
		return cb(vBlockUntil, tid, dayArg(from), dayArg(d))
	}
	var nav []Button
	if start.After(earliest.WeekStart(c.practice.FirstWeekday)) {
		nav = append(nav, Button{Text: c.t("button.prev_week", nil), Data: week(start.AddDays(-7))})
	}
	if from.IsZero() || from.DaysUntil(start.AddDays(7)) <= 365 {
		nav = append(nav, Button{Text: c.t("button.next_week", nil), Data: week(start.AddDays(7))})
	}
	return nav
}

// blockDay asks what to block on a day: all of it, part of it, or several
// days from it.
func (c *turn) blockDay(a Action) {
	tid := a.Therapist
	c.show(c.t("block.day", map[string]any{"Date": c.longDate(c.lang, a.Day.At(12*60, c.practice.Location))}), [][]Button{
		{{Text: c.t("button.block_whole_day", nil), Data: cb(vBlockAsk, tid, blockSpec{From: a.Day, To: a.Day}.String())}},
		{{Text: c.t("button.block_part", nil), Data: cb(vBlockStart, tid, dayArg(a.Day))}},
		{{Text: c.t("button.block_days", nil), Data: cb(vBlockUntil, tid, dayArg(a.Day), dayArg(a.Day))}},
	})
}

// blockFrom asks when a block of part of a day starts (06:00 to 22:00).
func (c *turn) blockFrom(a Action) {
	tid := a.Therapist
	c.blockTimes(tid, a.Day.At(6*60, c.practice.Location), a.Day.At(22*60, c.practice.Location), func(t time.Time) string {
		return cb(vBlockEnd, tid, timeArg(t))
	}, "block.choose_start")
}

// blockUntil asks when a block that starts at a.Time ends (by the end of
// that day).
func (c *turn) blockUntil(a Action) {
	tid := a.Therapist
	day := tori.DateOf(c.local(a.Time))
	c.blockTimes(tid, a.Time.Add(30*time.Minute), day.AddDays(1).In(c.practice.Location), func(t time.Time) string {
		return cb(vBlockAsk, tid, blockSpec{Start: a.Time, End: t}.String())
	}, "block.choose_end")
}

// unblock removes a block and lists those left.
func (c *turn) unblock(a Action) {
	if err := c.bookings.Unblock(c.ctx, a.Therapist, a.Block); err != nil {
		c.fail("unblock", err)
		return
	}
	c.res.Notice = c.t("block.removed", nil)
	c.unblockList()
}

// blockTimes offers half-hour times from..to (inclusive) as buttons.
func (c *turn) blockTimes(tid string, from, to time.Time, data func(time.Time) string, title string) {
	var kb [][]Button
	var row []Button
	for t := from; !t.After(to); t = t.Add(30 * time.Minute) {
		label := c.local(t).Format("15:04")
		if t.Equal(to) && label == "00:00" {
			label = "24:00" // the end of the day
		}
		row = append(row, Button{Text: label, Data: data(t)})
		if len(row) == 5 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}

	c.show(c.t(title, map[string]any{"Therapist": c.therapistName(tid)}), kb)
}

// span turns a block spec into instants in the practice's zone.
func (c *turn) span(s blockSpec) (time.Time, time.Time) {
	if s.wholeDays() {
		return s.From.In(c.practice.Location), s.To.AddDays(1).In(c.practice.Location)
	}
	return s.Start, s.End
}

// describeBlock writes a block: "Thu 3/12, all day", "Thu 3/12–Sun 6/12", "Thu 3/12 10:00–12:00".
func (c *turn) describeBlock(start, end time.Time) string {
	ls, le := c.local(start), c.local(end)
	if ls.Format("15:04") == "00:00" && le.Format("15:04") == "00:00" {
		first, last := tori.DateOf(ls), tori.DateOf(le).AddDays(-1)
		if first == last {
			return c.t("block.all_day", map[string]any{"Day": c.shortDay(c.lang, first)})
		}
		return ltr(c.lang, c.shortDay(c.lang, first)+" – "+c.shortDay(c.lang, last))
	}
	return c.shortDay(c.lang, tori.DateOf(ls)) + " " + c.timeRange(c.lang, start, end)
}

// inTheWay splits what is in the way of a block: bookings, and holds
// (clients in the middle of booking).
func inTheWay(as []tori.Appointment) (booked, held []tori.Appointment) {
	for _, a := range as {
		if a.Status == tori.StatusHeld {
			held = append(held, a)
		} else {
			booked = append(booked, a)
		}
	}
	return booked, held
}

// blockAsk states the block and lists the bookings in the way; holds in the
// way are counted apart: they are let go whatever is chosen.
func (c *turn) blockAsk(tid string, s blockSpec) {
	start, end := c.span(s)
	in, err := c.bookings.Overlapping(c.ctx, tid, start, end)
	if err != nil {
		c.fail("block", err)
		return
	}

	booked, held := inTheWay(in)
	data := map[string]any{"Block": c.describeBlock(start, end), "Therapist": c.therapistName(tid), "Holds": len(held)}
	back := []Button{{Text: c.t("button.cancel", nil), Data: cb(vBlockWeek, tid, dayArg(tori.DateOf(c.local(start))))}}
	if len(booked) == 0 {
		c.show(c.t("block.ask", data), [][]Button{
			{{Text: c.t("button.block_yes", nil), Data: cb(vBlockDo, tid, s.String(), "k")}},
			back,
		})
		return
	}

	// Bookings in the way: cancel them, or keep them.
	var lines []string
	for _, a := range booked {
		lines = append(lines, c.sessionLine(a))
	}
	data["Sessions"] = strings.Join(lines, "\n\n")
	data["Count"] = len(booked)
	c.show(c.cat.N(c.lang, "block.ask_over", len(booked), data), [][]Button{
		{{Text: c.cat.N(c.lang, "button.block_and_cancel", len(booked), nil), Data: cb(vBlockDo, tid, s.String(), "c")}},
		{{Text: c.cat.N(c.lang, "button.block_keep", len(booked), nil), Data: cb(vBlockDo, tid, s.String(), "k")}},
		back,
	})
}

// blockDo adds the block and then, with nothing new able to start in it,
// deals with what is in the way: bookings are cancelled as the practice
// (full refunds, apologies, offers to rebook) unless kept; sessions already
// under way are left alone; holds are let go and their clients told, except
// a hold whose payment is going through at PayPal, which the admin is told
// of (once paid it is a booking they can cancel).
func (c *turn) blockDo(tid string, s blockSpec, keep bool) {
	start, end := c.span(s)
	if _, err := c.bookings.Block(c.ctx, tid, start, end); err != nil {
		c.fail("block", err)
		return
	}

	// What is in the way now that nothing new can start in it.
	in, err := c.bookings.Overlapping(c.ctx, tid, start, end)
	if err != nil {
		c.fail("block", err)
		return
	}
	booked, held := inTheWay(in)
	paying := c.letGoHolds(held)
	cancelled := 0
	if !keep {
		cancelled = c.cancelInTheWay(booked)
	}

	data := map[string]any{"Block": c.describeBlock(start, end), "Therapist": c.therapistName(tid), "Count": cancelled}
	text := c.cat.N(c.lang, "block.done", cancelled, data)
	if len(paying) > 0 {
		text += "\n\n" + c.t("block.paying", map[string]any{"Sessions": strings.Join(paying, "\n\n")})
	}
	c.show(text, [][]Button{{{Text: c.t("button.block_more", nil), Data: cb(vBlockWeek, tid, dayArg(tori.DateOf(c.local(start))))}}})
}

// letGoHolds lets go of the holds in the way of a block and tells their
// clients; it returns the sessions of those whose payment is going
// through (not let go).
func (c *turn) letGoHolds(held []tori.Appointment) (paying []string) {
	for _, a := range held {
		if err := c.bookings.Store.Release(c.ctx, a.ID, a.HoldToken, c.now); err != nil {
			c.log.Warn("hold in a block not let go", "appointment", a.ID, "err", err)
			paying = append(paying, c.sessionLine(a))
			continue
		}
		if err := c.bookings.FreedAppointment(c.ctx, a); err != nil { // an offer passes on (to nobody, the time being off)
			c.log.Warn("waitlist not told of a hold let go", "appointment", a.ID, "err", err)
		}
		c.res.Replies = append(c.res.Replies, c.holdEndedReplies(a)...)
	}
	return paying
}

// cancelInTheWay cancels the bookings in the way of a block as the
// practice, and tells their clients; it returns how many it cancelled.
func (c *turn) cancelInTheWay(booked []tori.Appointment) int {
	cancelled := 0
	for _, a := range booked {
		got, fresh, err := c.bookings.CancelByPractice(c.ctx, a.ID)
		if err != nil {
			c.log.Warn("booking in a block not cancelled", "appointment", a.ID, "err", err)
			continue
		}
		if fresh {
			cancelled++
			c.res.Replies = append(c.res.Replies, c.PracticeCancelled(c.ctx, got)...)
		}
	}
	return cancelled
}

// holdEndedReplies tells a client their hold was let go because the
// practice took the time off (a booking being moved stays where it was).
func (c *turn) holdEndedReplies(a tori.Appointment) []Reply {
	t := c.turnFor(c.ctx, a)
	data := map[string]any{"When": t.shortWhen(t.lang, a.Start)}
	t.holdEnded(a, data, "hold.ended_by_practice", "offer.ended_by_practice", "move.ended_by_practice")
	return t.res.Replies
}

// holdEnded tells a's client, in this turn (theirs), that their hold ended:
// with message hold, offer for a waitlist offer, or move for a reschedule's
// hold of a booking still confirmed (data gets its time as From); and
// forgets the hold in their chat.
func (c *turn) holdEnded(a tori.Appointment, data map[string]any, hold, offer, move string) {
	id := hold
	if c.isOffer(a) {
		id = offer
	}
	if a.Moves != "" {
		if from, err := c.bookings.Store.Appointment(c.ctx, a.Moves); err == nil && from.Status == tori.StatusConfirmed {
			id, data["From"] = move, c.whenRange(c.lang, from.Start, from.End)
		}
	}

	c.show(c.t(id, data), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	if st := c.loadState(c.ctx, a.Client.ChatID); st.Hold == a.ID {
		c.saveState(c.ctx, a.Client.ChatID, state{})
	}
}

// unblockList lists the blocks ahead, each with a button to remove it.
func (c *turn) unblockList() {
	var kb [][]Button
	var lines []string
	for _, t := range c.managed() {
		bs, err := c.bookings.Store.Blocks(c.ctx, t.ID, c.now)
		if err != nil {
			c.fail("blocks", err)
			return
		}
		for _, b := range bs {
			desc := c.describeBlock(b.Start, b.End)
			if len(c.managed()) > 1 {
				desc = iso(c.lang, t.Name) + ": " + desc
			}
			lines = append(lines, "• "+desc)
			kb = append(kb, []Button{{Text: c.t("button.unblock", map[string]any{"Block": stripTags(desc)}), Data: cb(vUnblock, t.ID, b.ID)}})
		}
	}

	if len(lines) == 0 {
		c.show(c.t("block.none", nil), nil)
		return
	}
	c.show(c.t("block.list", map[string]any{"Blocks": strings.Join(lines, "\n")}), kb)
}

// stripTags leaves the text of a short HTML fragment, for button labels.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "&amp;", "&")
}

package bot

import (
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Time off: /block walks through a calendar like the client's (every day,
// not only free ones): a day, then the whole day, part of it, or several
// days; then it lists the bookings in the way and asks whether to cancel
// them as the practice. Blocks take effect at once. /unblock lists them.

func (c *turn) blockStart() {
	ts := c.managed()
	if len(ts) == 1 {
		c.blockWeek(ts[0].ID, c.practice.Today(c.now), "")
		return
	}
	var kb [][]Button
	for _, t := range ts {
		kb = append(kb, []Button{{Text: t.Name, Data: cb(vBlockWeek, t.ID, dayArg(c.practice.Today(c.now)))}})
	}
	c.show(c.t("block.therapist", nil), kb)
}

// blockWeek shows a week of days to choose from; from (a day) means the
// choice is the last of several days starting then.
func (c *turn) blockWeek(tid string, day tori.Date, from string) {
	first := c.practice.FirstWeekday
	today := c.practice.Today(c.now)
	start := day.WeekStart(first)
	if start.Before(today.WeekStart(first)) {
		start = today.WeekStart(first)
	}
	var kb [][]Button
	var row []Button
	for d := start; d.Before(start.AddDays(7)); d = d.AddDays(1) {
		if d.Before(today) {
			continue
		}
		data := cb(vBlockDay, tid, dayArg(d))
		if from != "" {
			fromDay, _ := parseDay(from)
			if d.Before(fromDay) {
				continue
			}
			data = cb(vBlockAsk, tid, blockSpec{From: fromDay, To: d}.String())
		}
		row = append(row, Button{Text: c.shortDay(c.lang, d), Data: data})
		if len(row) == 3 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	weekVerb := vBlockWeek
	if from != "" {
		weekVerb = vBlockUntil
	}
	nav := []Button{}
	if start.After(today.WeekStart(first)) {
		arg := dayArg(start.AddDays(-7))
		if from != "" {
			arg = from // several days: the week view starts again from the first day
		}
		nav = append(nav, Button{Text: c.t("button.prev_week", nil), Data: cb(weekVerb, tid, arg)})
	}
	if from == "" {
		nav = append(nav, Button{Text: c.t("button.next_week", nil), Data: cb(vBlockWeek, tid, dayArg(start.AddDays(7)))})
	}
	if len(nav) > 0 {
		kb = append(kb, nav)
	}
	id := "block.choose_day"
	if from != "" {
		id = "block.choose_last_day"
	}
	c.show(c.t(id, map[string]any{"Therapist": c.therapistName(tid)}), kb)
}

func (c *turn) onBlockButton(a Action) {
	tid := a.Therapist
	switch a.Verb {
	case vBlockWeek:
		c.blockWeek(tid, a.Day, "")
	case vBlockUntil:
		c.blockWeek(tid, a.Day, dayArg(a.Day))
	case vBlockDay:
		c.show(c.t("block.day", map[string]any{"Date": c.longDate(c.lang, a.Day.At(12*60, c.practice.Location))}), [][]Button{
			{{Text: c.t("button.block_whole_day", nil), Data: cb(vBlockAsk, tid, blockSpec{From: a.Day, To: a.Day}.String())}},
			{{Text: c.t("button.block_part", nil), Data: cb(vBlockStart, tid, dayArg(a.Day))}},
			{{Text: c.t("button.block_days", nil), Data: cb(vBlockUntil, tid, dayArg(a.Day))}},
		})
	case vBlockStart:
		c.blockTimes(tid, a.Day.At(6*60, c.practice.Location), a.Day.At(22*60, c.practice.Location), func(t time.Time) string {
			return cb(vBlockEnd, tid, timeArg(t))
		}, "block.choose_start")
	case vBlockEnd:
		day := tori.DateOf(c.local(a.Time))
		c.blockTimes(tid, a.Time.Add(30*time.Minute), day.AddDays(1).In(c.practice.Location), func(t time.Time) string {
			return cb(vBlockAsk, tid, blockSpec{Start: a.Time, End: t}.String())
		}, "block.choose_end")
	case vBlockAsk:
		c.blockAsk(tid, a.Spec)
	case vBlockDo:
		c.blockDo(tid, a.Spec, a.Keep)
	case vUnblock:
		if err := c.bookings.Store.RemoveBlock(c.ctx, tid, a.Block); err != nil {
			c.fail("unblock", err)
			return
		}
		c.res.Notice = c.t("block.removed", nil)
		c.unblockList()
	}
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
	return c.shortDay(c.lang, tori.DateOf(ls)) + " " + ltr(c.lang, ls.Format("15:04")+"–"+le.Format("15:04"))
}

// blockAsk states the block and lists the bookings in the way.
func (c *turn) blockAsk(tid string, s blockSpec) {
	start, end := c.span(s)
	in, err := c.bookings.Overlapping(c.ctx, tid, start, end)
	if err != nil {
		c.fail("block", err)
		return
	}
	data := map[string]any{"Block": c.describeBlock(start, end), "Therapist": c.therapistName(tid)}
	if len(in) == 0 {
		c.show(c.t("block.ask", data), [][]Button{
			{{Text: c.t("button.block_yes", nil), Data: cb(vBlockDo, tid, s.String(), "k")}},
			{{Text: c.t("button.cancel", nil), Data: cb(vBlockWeek, tid, dayArg(tori.DateOf(c.local(start))))}},
		})
		return
	}
	var lines []string
	for _, a := range in {
		lines = append(lines, c.sessionLine(c.lang, a))
	}
	data["Sessions"] = strings.Join(lines, "\n\n")
	data["Count"] = len(in)
	c.show(c.cat.N(c.lang, "block.ask_over", len(in), data), [][]Button{
		{{Text: c.t("button.block_and_cancel", nil), Data: cb(vBlockDo, tid, s.String(), "c")}},
		{{Text: c.t("button.block_keep", nil), Data: cb(vBlockDo, tid, s.String(), "k")}},
		{{Text: c.t("button.cancel", nil), Data: cb(vBlockWeek, tid, dayArg(tori.DateOf(c.local(start))))}},
	})
}

// blockDo adds the block and, if asked, cancels the bookings in the way as
// the practice (full refunds, apologies, offers to rebook). Holds in the
// way that are not being paid are let go, and their clients told.
func (c *turn) blockDo(tid string, s blockSpec, keep bool) {
	start, end := c.span(s)
	in, err := c.bookings.Overlapping(c.ctx, tid, start, end)
	if err != nil {
		c.fail("block", err)
		return
	}
	if _, err := c.bookings.Block(c.ctx, tid, start, end); err != nil {
		c.fail("block", err)
		return
	}
	cancelled := 0
	for _, a := range in {
		switch {
		case a.Status == tori.StatusHeld:
			if err := c.bookings.Store.Release(c.ctx, a.ID, a.HoldToken, c.now); err == nil {
				c.res.Replies = append(c.res.Replies, c.holdEndedReplies(a)...)
			}
		case !keep:
			got, fresh, err := c.bookings.CancelByPractice(c.ctx, a.ID)
			if err != nil {
				c.log.Error("cancel for a block", "appointment", a.ID, "err", err)
				continue
			}
			if fresh {
				cancelled++
				c.res.Replies = append(c.res.Replies, c.PracticeCancelled(c.ctx, got)...)
			}
		}
	}
	c.show(c.cat.N(c.lang, "block.done", cancelled, map[string]any{"Block": c.describeBlock(start, end), "Therapist": c.therapistName(tid)}),
		[][]Button{{{Text: c.t("button.block_more", nil), Data: cb(vBlockWeek, tid, dayArg(tori.DateOf(c.local(start))))}}})
}

// holdEndedReplies tells a client their hold was let go because the
// practice took the time off.
func (c *turn) holdEndedReplies(a tori.Appointment) []Reply {
	t := c.turnFor(c.ctx, a)
	t.show(t.t("hold.ended_by_practice", map[string]any{"When": t.shortWhen(t.lang, a.Start)}),
		[][]Button{{{Text: t.t("button.book", nil), Data: cb(vBook)}}})
	return t.res.Replies
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

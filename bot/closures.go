package bot

import (
	"slices"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// closure is the practice's closure (a holiday, or its eve) on d as the
// therapists ts keep it: none when one of them opens the day.
func (c *turn) closure(d tori.Date, ts []tori.Therapist) (tori.Closure, bool) {
	cl, ok := c.practice.ClosureOn(d)
	if !ok || slices.ContainsFunc(ts, func(t tori.Therapist) bool { return t.OpensOn(d) }) {
		return tori.Closure{}, false
	}
	return cl, true
}

// calendarTherapists are the therapists whose times calendar k shows.
func (c *turn) calendarTherapists(k calendar) []tori.Therapist {
	if t, ok := c.practice.Therapist(k.thr); ok {
		return []tori.Therapist{t}
	}
	return c.practice.TherapistsFor(k.svc)
}

// closureNote says what a closure does to its day: "closed (Rosh Hashana)",
// or when an eve's last session ends.
func (c *turn) closureNote(cl tori.Closure) string {
	data := map[string]any{"Name": iso(c.lang, cl.Name(c.lang, c.practice.Language))}
	if cl.AllDay() {
		return c.t("closure.closed", data)
	}
	data["Until"] = c.clock(c.lang, cl.Date.At(cl.Until, c.practice.Location))
	return c.t("closure.closes_early", data)
}

// closureLine is the closure's day and what it does to it.
func (c *turn) closureLine(cl tori.Closure) string {
	return c.shortDay(c.lang, cl.Date) + " — " + c.closureNote(cl)
}

// closureLines are the closures of the days start..end, a line each, after
// a blank line; "" when there are none.
func (c *turn) closureLines(k calendar, start, end tori.Date) string {
	var lines []string
	ts := c.calendarTherapists(k)
	for d := start; !d.After(end); d = d.AddDays(1) {
		if cl, ok := c.closure(d, ts); ok {
			lines = append(lines, c.closureLine(cl))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n\n" + strings.Join(lines, "\n")
}

// holidayName is the name of the closure on the day of at, in the
// client's language; "" when there is none.
func (c *turn) holidayName(at time.Time) string {
	cl, ok := c.practice.ClosureOn(tori.DateOf(c.local(at)))
	if !ok {
		return ""
	}
	return iso(c.lang, cl.Name(c.lang, c.practice.Language))
}

package bot

import (
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// closure is the practice's closure (a holiday, or its eve) on d as the
// calendar keeps it: none when one of its therapists opens the day.
func (c *turn) closure(k calendar, d tori.Date) (tori.Closure, bool) {
	cl, ok := c.practice.ClosureOn(d)
	if !ok {
		return tori.Closure{}, false
	}
	for _, t := range c.practice.TherapistsFor(k.svc) {
		if (k.thr == "" || t.ID == k.thr) && t.OpensOn(d) {
			return tori.Closure{}, false
		}
	}
	return cl, true
}

// closureLine says one closure: "Sat 12/9 — closed (Rosh Hashana)", or when
// an eve's work ends.
func (c *turn) closureLine(cl tori.Closure) string {
	data := map[string]any{"Day": c.shortDay(c.lang, cl.Date), "Name": iso(c.lang, cl.Name(c.lang, c.practice.Language))}
	if cl.AllDay() {
		return c.t("week.closed", data)
	}
	data["Until"] = c.clock(c.lang, cl.Date.At(cl.Until, c.practice.Location))
	return c.t("week.closes_early", data)
}

// closureLines are the closures of the days start..end, a line each, after
// a blank line; "" when there are none.
func (c *turn) closureLines(k calendar, start, end tori.Date) string {
	var lines []string
	for d := start; !d.After(end); d = d.AddDays(1) {
		if cl, ok := c.closure(k, d); ok {
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

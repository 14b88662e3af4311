package busy

import (
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// length is how long an occurrence lasts: nominal days (kept in wall
// time across a clock change) plus an exact duration.
type length struct {
	days  int
	exact time.Duration
}

// end is the end of an occurrence that starts at wall in z.
func (l length) end(wall time.Time, z zone) time.Time {
	return z.instant(wall.AddDate(0, 0, l.days)).Add(l.exact)
}

// margin widens the window an occurrence may start in, for its length and
// for the zone's offset from UTC.
const margin = 36 * time.Hour

// event adds the occurrences of e in the window, but those an EXDATE or an
// override (replaced, by instant; replacedDays, by date) removes.
func (r *reader) event(e *component, replaced, replacedDays map[time.Time]bool) {
	sp, ok := e.get("DTSTART")
	if !ok {
		return // no start: nothing to place (rrule-go would take now)
	}
	start, err := parseWhen(sp, sp.value, r.zones)
	if err != nil {
		return
	}
	l, ok := r.length(e, start)
	if !ok {
		return
	}

	// Occurrence starts, in the event's wall time, from the window widened
	// by the longest an occurrence can reach back.
	lo := start.zone.wall(r.from).Add(-margin - time.Duration(l.days)*24*time.Hour - l.exact)
	hi := start.zone.wall(r.to).Add(margin)
	walls := r.occurrences(e, start, lo, hi)

	exInstants, exDays := r.exdates(e, start)
	for _, w := range walls {
		in := start.zone.instant(w)
		day := time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)
		if exInstants[in] || replaced[in] || exDays[day] || replacedDays[day] {
			continue
		}
		end := l.end(w, start.zone)
		if end.After(r.from) && in.Before(r.to) && end.After(in) {
			r.out = append(r.out, span{in.UnixNano(), end.UnixNano()})
		}
	}
}

// length reads DTEND or DURATION; an all-day event without either lasts a
// day, a timed one without either is an instant (RFC 5545 3.6.1), not busy.
func (r *reader) length(e *component, start when) (length, bool) {
	if p, ok := e.get("DTEND"); ok {
		end, err := parseWhen(p, p.value, r.zones)
		if err != nil {
			return length{}, false
		}
		if start.date {
			return length{days: int(end.wall.Sub(start.wall).Hours() / 24)}, true
		}
		return length{exact: end.instant().Sub(start.instant())}, true
	}

	if v := strings.TrimSpace(e.value("DURATION")); v != "" {
		days, exact, err := parseDuration(v)
		return length{days, exact}, err == nil
	}
	if start.date {
		return length{days: 1}, true
	}
	return length{}, false
}

// occurrences are the wall-clock starts of e within [lo, hi]: DTSTART, its
// RRULEs' and its RDATEs'.
func (r *reader) occurrences(e *component, start when, lo, hi time.Time) []time.Time {
	var walls []time.Time
	rules := e.all("RRULE")
	if len(rules) == 0 && !start.wall.Before(lo) && !start.wall.After(hi) {
		walls = append(walls, start.wall)
	}
	for _, p := range rules {
		rule, err := r.rule(p.value, start, lo)
		if err != nil {
			// A rule rrule-go cannot read: its first occurrence still blocks.
			walls = append(walls, start.wall)
			continue
		}
		walls = append(walls, between(rule, lo, hi)...)
	}

	for _, p := range e.all("RDATE") {
		ws, err := parseWhens(p, r.zones, start)
		if err != nil {
			continue
		}
		for _, w := range ws {
			if !w.date {
				w.wall = start.zone.wall(w.instant())
			}
			if !w.wall.Before(lo) && !w.wall.After(hi) {
				walls = append(walls, w.wall)
			}
		}
	}
	return walls
}

// Bounds on one rule's expansion: a feed is untrusted, and a rule such as
// FREQ=SECONDLY would otherwise cost millions of occurrences.
const (
	maxOccurrences = 5000   // kept in the window (a daily rule has 365 a year)
	maxSteps       = 200000 // occurrences walked to reach and cross the window
)

// between is rule's occurrences in [lo, hi], at most maxOccurrences.
func between(rule *rrule.RRule, lo, hi time.Time) []time.Time {
	var out []time.Time
	next := rule.Iterator()
	for step := 0; step < maxSteps && len(out) < maxOccurrences; step++ {
		t, ok := next()
		if !ok || t.After(hi) {
			break
		}
		if !t.Before(lo) {
			out = append(out, t)
		}
	}
	return out
}

// rule reads an RRULE for expansion in wall time: X- and unknown parts
// dropped, UNTIL read here (a UTC UNTIL in the event's wall time, a DATE
// UNTIL to the end of its day, which rrule-go would drop).
func (r *reader) rule(value string, start when, lo time.Time) (*rrule.RRule, error) {
	var parts []string
	var until time.Time
	for _, part := range strings.Split(strings.ToUpper(strings.TrimSpace(value)), ";") {
		key, v, _ := strings.Cut(part, "=")
		switch {
		case key == "UNTIL":
			until = r.until(v, start)
		case knownRulePart[key] && v != "":
			parts = append(parts, part)
		}
	}

	opt, err := rrule.StrToROptionInLocation(strings.Join(parts, ";"), time.UTC)
	if err != nil {
		return nil, err
	}
	opt.Dtstart = skipAhead(opt, start.wall, lo)
	opt.Until = until
	return rrule.NewRRule(*opt)
}

// skipAhead moves the start of a daily or weekly rule without a COUNT
// forward by whole periods to just before lo: the rule repeats the same
// from there, and rrule-go's cost grows with the periods from its start.
func skipAhead(opt *rrule.ROption, start, lo time.Time) time.Time {
	days := map[rrule.Frequency]int{rrule.DAILY: 1, rrule.WEEKLY: 7}[opt.Freq] * max(opt.Interval, 1)
	if days == 0 || opt.Count != 0 || lo.Sub(start) < time.Duration(2*days)*24*time.Hour {
		return start
	}
	periods := int(lo.Sub(start).Hours()/24) / days
	return start.AddDate(0, 0, (periods-1)*days)
}

// knownRulePart are the RRULE parts rrule-go reads.
var knownRulePart = map[string]bool{
	"FREQ": true, "INTERVAL": true, "WKST": true, "COUNT": true, "BYSETPOS": true, "BYMONTH": true,
	"BYMONTHDAY": true, "BYYEARDAY": true, "BYWEEKNO": true, "BYDAY": true, "BYHOUR": true,
	"BYMINUTE": true, "BYSECOND": true,
}

// until reads UNTIL as a wall time of the event's zone; zero if unreadable.
func (r *reader) until(v string, start when) time.Time {
	if len(v) == 8 {
		d, err := time.Parse("20060102", v)
		if err != nil {
			return time.Time{}
		}
		return d.Add(24*time.Hour - time.Second)
	}
	if utc, ok := strings.CutSuffix(v, "Z"); ok {
		t, err := time.Parse("20060102T150405", utc)
		if err != nil {
			return time.Time{}
		}
		return start.zone.wall(t)
	}
	t, _ := time.Parse("20060102T150405", v)
	return t
}

// exdates reads EXDATE lines: instants, and dates (a date-only EXDATE
// removes that day's occurrence of a timed event too).
func (r *reader) exdates(e *component, start when) (map[time.Time]bool, map[time.Time]bool) {
	instants, days := map[time.Time]bool{}, map[time.Time]bool{}
	for _, p := range e.all("EXDATE") {
		ws, err := parseWhens(p, r.zones, start)
		if err != nil {
			continue
		}
		for _, w := range ws {
			if w.date {
				days[w.wall] = true
			} else {
				instants[w.instant()] = true
			}
		}
	}
	return instants, days
}

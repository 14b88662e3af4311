package busy

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
	"github.com/yaegashi/wtz.go"
)

// zone turns a wall-clock time (fields in time.UTC) into an instant and
// back: an IANA location, UTC, or a feed's own VTIMEZONE.
type zone interface {
	instant(wall time.Time) time.Time
	wall(t time.Time) time.Time
}

// fixedZone is UTC: a value written with Z.
type fixedZone struct{}

func (fixedZone) instant(wall time.Time) time.Time { return wall }
func (fixedZone) wall(t time.Time) time.Time       { return t.UTC() }

// ianaZone is a location of Go's zone database.
type ianaZone struct{ loc *time.Location }

func (z ianaZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc).UTC()
}

func (z ianaZone) wall(t time.Time) time.Time {
	l := t.In(z.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// zones resolves a feed's TZIDs, once each.
type zones struct {
	fallback  zone                  // the therapist's zone: floating times, dates, the last resort
	calendar  string                // the calendar's X-WR-TIMEZONE, if any
	defined   map[string]*component // the feed's VTIMEZONEs by TZID
	resolved  map[string]zone
	from, to  time.Time // the window expanded, for VTIMEZONE transitions
	unmatched []string  // TZIDs that fell back to the calendar's or therapist's zone
}

func newZones(cal *component, fallback *time.Location, from, to time.Time) *zones {
	z := &zones{fallback: ianaZone{fallback}, calendar: cal.value("X-WR-TIMEZONE"),
		defined: map[string]*component{}, resolved: map[string]zone{}, from: from, to: to}
	for _, c := range cal.children {
		if c.kind == "VTIMEZONE" {
			z.defined[c.value("TZID")] = c
		}
	}
	return z
}

// lookup resolves a TZID: an IANA name, a Windows name (Outlook's "Israel
// Standard Time"), an IANA name behind a prefix ("/mozilla.org/.../Europe/Berlin"),
// the feed's VTIMEZONE of that name, then the calendar's X-WR-TIMEZONE,
// then the therapist's zone. "" (a floating time) is the therapist's zone.
func (z *zones) lookup(tzid string) zone {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if tzid == "" {
		return z.fallback
	}
	if r, ok := z.resolved[tzid]; ok {
		return r
	}

	r := z.resolve(tzid)
	z.resolved[tzid] = r
	return r
}

func (z *zones) resolve(tzid string) zone {
	if loc := named(tzid); loc != nil {
		return ianaZone{loc}
	}

	// The feed's own definition: its X-LIC-LOCATION if Go knows it, else its rules.
	if c, ok := z.defined[tzid]; ok {
		if loc := named(c.value("X-LIC-LOCATION")); loc != nil {
			return ianaZone{loc}
		}
		if v := newVTimezone(c, z.from, z.to); v != nil {
			return v
		}
	}

	z.unmatched = append(z.unmatched, tzid)
	if loc := named(z.calendar); loc != nil {
		return ianaZone{loc}
	}
	return z.fallback
}

// named finds a location by IANA name, Windows name or prefixed IANA name.
func named(name string) *time.Location {
	if name == "" || name == "Local" {
		return nil
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	if loc, err := wtz.NameToLocation(name); err == nil {
		return loc
	}

	// "/mozilla.org/20050126_1/America/New_York": try each tail of two or three parts.
	parts := strings.Split(strings.Trim(name, "/"), "/")
	for n := 3; n >= 2; n-- {
		if len(parts) > n {
			if loc, err := time.LoadLocation(strings.Join(parts[len(parts)-n:], "/")); err == nil {
				return loc
			}
		}
	}
	return nil
}

// transition is the moment (in wall time before it) a VTIMEZONE's
// observance starts, and the UTC offset from then on.
type transition struct {
	wall   time.Time
	offset time.Duration
}

// vtimezone is a feed's VTIMEZONE, its STANDARD and DAYLIGHT observances
// expanded over the window (and a year either side).
type vtimezone struct {
	transitions []transition // by wall
	before      time.Duration
}

func newVTimezone(c *component, from, to time.Time) *vtimezone {
	v := &vtimezone{}
	lo, hi := from.AddDate(-1, 0, 0), to.AddDate(1, 0, 0)
	var first *transition
	for _, o := range c.children {
		if o.kind != "STANDARD" && o.kind != "DAYLIGHT" {
			continue
		}
		start, err1 := time.Parse("20060102T150405", strings.TrimSpace(o.value("DTSTART")))
		offFrom, ok1 := parseOffset(o.value("TZOFFSETFROM"))
		offTo, ok2 := parseOffset(o.value("TZOFFSETTO"))
		if err1 != nil || !ok1 || !ok2 {
			continue
		}
		if first == nil || start.Before(first.wall) {
			first = &transition{start, offFrom}
		}
		for _, on := range onsets(o, start, lo, hi) {
			v.transitions = append(v.transitions, transition{on, offTo})
		}
	}
	if first == nil {
		return nil
	}

	v.before = first.offset
	sort.Slice(v.transitions, func(i, j int) bool { return v.transitions[i].wall.Before(v.transitions[j].wall) })
	return v
}

// onsets are when observance o starts within [lo, hi], and the last time before lo.
func onsets(o *component, start, lo, hi time.Time) []time.Time {
	rule := o.value("RRULE")
	if rule == "" {
		out := []time.Time{start}
		for _, p := range o.all("RDATE") {
			for _, v := range strings.Split(p.value, ",") {
				if t, err := time.Parse("20060102T150405", strings.TrimSpace(v)); err == nil {
					out = append(out, t)
				}
			}
		}
		return out
	}

	opt, err := rrule.StrToROptionInLocation(untilToFloating(rule), time.UTC)
	if err != nil {
		return []time.Time{start}
	}
	opt.Dtstart = start
	if opt.Freq == rrule.YEARLY && opt.Count == 0 && start.Year() < lo.Year()-1 {
		// Outlook starts its rules in 1601; rrule-go stops short of today
		// from there. A yearly rule without a count repeats the same from any year.
		opt.Dtstart = start.AddDate(lo.Year()-1-start.Year(), 0, 0)
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return []time.Time{start}
	}
	out := r.Between(lo, hi, true)
	if last := r.Before(lo, false); !last.IsZero() {
		out = append(out, last)
	}
	return out
}

// untilToFloating drops UNTIL's Z, for rules expanded in wall time.
func untilToFloating(rule string) string {
	parts := strings.Split(rule, ";")
	for i, p := range parts {
		if v, ok := strings.CutPrefix(strings.ToUpper(p), "UNTIL="); ok {
			parts[i] = "UNTIL=" + strings.TrimSuffix(v, "Z")
		}
	}
	return strings.Join(parts, ";")
}

func (v *vtimezone) offsetAt(wall time.Time) time.Duration {
	i := sort.Search(len(v.transitions), func(i int) bool { return v.transitions[i].wall.After(wall) })
	if i == 0 {
		return v.before
	}
	return v.transitions[i-1].offset
}

func (v *vtimezone) instant(wall time.Time) time.Time { return wall.Add(-v.offsetAt(wall)) }

func (v *vtimezone) wall(t time.Time) time.Time {
	t = t.UTC()
	return t.Add(v.offsetAt(t.Add(v.offsetAt(t))))
}

// parseOffset reads a UTC offset: "+0200", "-0500", "+053000".
func parseOffset(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	sec := 0
	var err3 error
	if len(s) == 7 {
		sec, err3 = strconv.Atoi(s[5:7])
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, false
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if s[0] == '-' {
		d = -d
	}
	return d, true
}

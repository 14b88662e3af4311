// Package busy reads a therapist's own calendars (an ICS address such as
// Google's secret address, an iCloud public link, an Outlook published
// calendar) into the times they are busy: it fetches a feed with
// conditional requests, size and time limits, and expands its events over
// a window. Only start and end leave this package ([]tori.Interval): a
// title or a description is the therapist's private life and is never kept.
//
// It is an outside world of its own beside ical (which writes calendars);
// it imports the root package only.
package busy

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Options say how to read one source.
type Options struct {
	// Zone is the therapist's zone: floating times, all-day events and
	// TZIDs nothing else resolves are in it.
	Zone *time.Location
	// AllDay says whether all-day events block their days (the default).
	AllDay tori.AllDayMode
	// Owners are the calendar owner's e-mail addresses: an invitation one
	// of them declined is not busy. A Google calendar named by an address
	// (its X-WR-CALNAME) is owned by that address too.
	Owners []string
}

// Read expands the busy times of an iCalendar body over [from, to),
// sorted and merged. A body with no complete VCALENDAR is an error (a
// failed fetch must never read as "no busy times"); a feed whose events
// are all free is not.
func Read(body []byte, from, to time.Time, o Options) ([]tori.Interval, error) {
	cal := readCalendar(body)
	if cal == nil {
		return nil, tori.Errorf(tori.EINVALID, "the address did not send a calendar (no BEGIN:VCALENDAR … END:VCALENDAR): check that it is the calendar's ICS address")
	}
	if o.Zone == nil {
		o.Zone = time.UTC
	}

	r := reader{o: o, from: from, to: to, zones: newZones(cal, o.Zone, from, to), owners: owners(cal, o.Owners)}
	events := map[string]*series{}
	var order []string
	for _, c := range cal.children {
		if c.kind != "VEVENT" {
			continue
		}
		uid := strings.TrimSpace(c.value("UID"))
		if strings.HasSuffix(strings.ToLower(uid), "@tori") {
			continue // tori's own feed: the therapist's sessions are already in tori
		}
		s := events[uid]
		if s == nil || uid == "" {
			s = &series{}
			events[uid], order = s, append(order, uid)
		}
		if _, ok := c.get("RECURRENCE-ID"); ok {
			s.overrides = append(s.overrides, c)
		} else {
			s.masters = append(s.masters, c)
		}
	}

	for _, uid := range order {
		r.series(events[uid])
	}
	return merge(r.out), nil
}

// series are the events of one UID: the event (normally one) and the
// overrides of single occurrences (RECURRENCE-ID).
type series struct {
	masters, overrides []*component
}

// reader is one Read's state.
type reader struct {
	o        Options
	from, to time.Time
	zones    *zones
	owners   map[string]bool
	out      []span
}

// span is an occurrence in Unix nanoseconds, half the size of a
// tori.Interval to sort (a feed of weekly events has 100,000 a year).
type span struct{ start, end int64 }

// owners are the addresses whose declines count: the configured ones, and
// a Google calendar's name when it is an address.
func owners(cal *component, configured []string) map[string]bool {
	m := map[string]bool{}
	for _, a := range configured {
		m[strings.ToLower(strings.TrimSpace(a))] = true
	}
	if name := strings.TrimSpace(cal.value("X-WR-CALNAME")); strings.Contains(name, "@") && !strings.Contains(name, " ") {
		m[strings.ToLower(name)] = true
	}
	return m
}

// series expands one UID: each override replaces the occurrence it names
// (and, cancelled or free, removes it).
func (r *reader) series(s *series) {
	replaced := map[time.Time]bool{}
	replacedDays := map[time.Time]bool{}
	for _, o := range s.overrides {
		p, _ := o.get("RECURRENCE-ID")
		if w, err := parseWhen(p, p.value, r.zones); err == nil {
			if w.floating {
				w.zone = r.startZone(o) // written without a zone: the event's own
			}
			if w.date {
				replacedDays[w.wall] = true
			} else {
				replaced[w.instant()] = true
			}
		}
		if r.busy(o) {
			r.event(o, nil, nil)
		}
	}

	for _, m := range s.masters {
		if r.busy(m) {
			r.event(m, replaced, replacedDays)
		}
	}
}

// startZone is the zone of e's DTSTART.
func (r *reader) startZone(e *component) zone {
	p, _ := e.get("DTSTART")
	if w, err := parseWhen(p, p.value, r.zones); err == nil {
		return w.zone
	}
	return r.zones.fallback
}

// busy reports whether event e makes its times busy: not cancelled, not
// declined by the owner, and not marked free (a timed event; an all-day
// one is busy unless all_day is ignore, since Google and Outlook mark
// every all-day event free by default).
func (r *reader) busy(e *component) bool {
	if strings.EqualFold(strings.TrimSpace(e.value("STATUS")), "CANCELLED") || r.declined(e) {
		return false
	}

	start, _ := e.get("DTSTART")
	allDay := start.param("VALUE") == "DATE" || len(strings.TrimSpace(start.value)) == 8
	if allDay {
		return r.o.AllDay != tori.AllDayIgnore
	}
	free := strings.EqualFold(strings.TrimSpace(e.value("TRANSP")), "TRANSPARENT") ||
		strings.EqualFold(strings.TrimSpace(e.value("X-MICROSOFT-CDO-BUSYSTATUS")), "FREE")
	return !free
}

// declined reports whether an owner's ATTENDEE line says DECLINED.
func (r *reader) declined(e *component) bool {
	for _, a := range e.all("ATTENDEE") {
		addr := strings.ToLower(strings.TrimSpace(a.value))
		addr = strings.TrimPrefix(addr, "mailto:")
		if (r.owners[addr] || r.owners[strings.ToLower(a.param("EMAIL"))]) && strings.EqualFold(a.param("PARTSTAT"), "DECLINED") {
			return true
		}
	}
	return false
}

// merge sorts spans and joins those that overlap or touch.
func merge(in []span) []tori.Interval {
	slices.SortFunc(in, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var out []tori.Interval
	var cur span
	for i, sp := range in {
		if i > 0 && sp.start <= cur.end {
			cur.end = max(cur.end, sp.end)
			continue
		}
		if i > 0 {
			out = append(out, interval(cur))
		}
		cur = sp
	}
	if len(in) > 0 {
		out = append(out, interval(cur))
	}
	return out
}

func interval(s span) tori.Interval {
	return tori.Interval{Start: time.Unix(0, s.start).UTC(), End: time.Unix(0, s.end).UTC()}
}

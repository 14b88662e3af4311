package busy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// when is a DATE or DATE-TIME value as written: its wall-clock time (in
// time.UTC as a stand-in for "no zone") and the zone that gives it an
// instant. A DATE is midnight with date set.
type when struct {
	wall     time.Time
	zone     zone
	date     bool
	floating bool // neither Z nor TZID: the caller may give it the event's zone
}

// instant is the moment w names.
func (w when) instant() time.Time { return w.zone.instant(w.wall) }

// parseWhen reads a DATE, DATE-TIME (UTC with Z, with a TZID, or
// floating) value of property p; zones resolves TZIDs, floating times
// and DATEs are in the fallback zone.
func parseWhen(p prop, value string, zones *zones) (when, error) {
	value = strings.TrimSpace(value)
	if p.param("VALUE") == "DATE" || len(value) == 8 {
		d, err := time.Parse("20060102", value)
		if err != nil {
			return when{}, fmt.Errorf("busy: %s %q is not a date: %w", p.name, value, err)
		}
		return when{wall: d, zone: zones.fallback, date: true}, nil
	}

	if utc, ok := strings.CutSuffix(value, "Z"); ok {
		t, err := time.Parse("20060102T150405", utc)
		if err != nil {
			return when{}, fmt.Errorf("busy: %s %q is not a time: %w", p.name, value, err)
		}
		return when{wall: t, zone: fixedZone{}}, nil
	}

	t, err := time.Parse("20060102T150405", value)
	if err != nil {
		return when{}, fmt.Errorf("busy: %s %q is not a time: %w", p.name, value, err)
	}
	tzid := p.param("TZID")
	return when{wall: t, zone: zones.lookup(tzid), floating: tzid == ""}, nil
}

// parseWhens reads a property's comma-separated list (EXDATE, RDATE) of
// event start's; a PERIOD (start/end or start/duration) keeps its start,
// and a floating time is in start's zone.
func parseWhens(p prop, zones *zones, start when) ([]when, error) {
	var out []when
	for _, v := range strings.Split(p.value, ",") {
		begin, _, _ := strings.Cut(v, "/")
		w, err := parseWhen(p, begin, zones)
		if err != nil {
			return nil, err
		}
		if w.floating {
			w.zone = start.zone
		}
		out = append(out, w)
	}
	return out, nil
}

// parseDuration reads an RFC 5545 DURATION ("PT1H30M", "P1D", "-PT15M",
// "P2W"): days and weeks as nominal days, the rest exact.
func parseDuration(s string) (days int, exact time.Duration, err error) {
	orig := s
	sign := 1
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = -1, rest
	}
	s = strings.TrimPrefix(s, "+")
	s, ok := strings.CutPrefix(s, "P")
	if !ok || s == "" {
		return 0, 0, fmt.Errorf("busy: duration %q: want P...", orig)
	}

	// Each number and its unit; T starts the time part.
	inTime := false
	num := ""
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
		case r == 'T':
			inTime = true
		default:
			n, err := strconv.Atoi(num)
			if err != nil {
				return 0, 0, fmt.Errorf("busy: duration %q: %w", orig, err)
			}
			num = ""
			d, e, ok := durationPart(n, r, inTime)
			if !ok {
				return 0, 0, fmt.Errorf("busy: duration %q: unexpected %q", orig, r)
			}
			days, exact = days+d, exact+e
		}
	}
	if num != "" {
		return 0, 0, fmt.Errorf("busy: duration %q: a number without a unit", orig)
	}
	return sign * days, time.Duration(sign) * exact, nil
}

// durationPart is n of unit u: weeks and days before T, hours, minutes and seconds after.
func durationPart(n int, u rune, inTime bool) (days int, exact time.Duration, ok bool) {
	switch {
	case u == 'W' && !inTime:
		return 7 * n, 0, true
	case u == 'D' && !inTime:
		return n, 0, true
	case u == 'H' && inTime:
		return 0, time.Duration(n) * time.Hour, true
	case u == 'M' && inTime:
		return 0, time.Duration(n) * time.Minute, true
	case u == 'S' && inTime:
		return 0, time.Duration(n) * time.Second, true
	}
	return 0, 0, false
}

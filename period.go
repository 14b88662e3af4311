package tori

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a span of calendar time (years, months, days), counted on the
// calendar: 24 months before 31 March is 31 March two years earlier,
// whatever the lengths of the months between.
type Period struct {
	Years, Months, Days int
}

// Before returns t moved back by the period.
func (p Period) Before(t time.Time) time.Time { return t.AddDate(-p.Years, -p.Months, -p.Days) }

// IsZero reports whether the period is empty.
func (p Period) IsZero() bool { return p == Period{} }

// approx is the period's length in days, for comparing two periods.
func (p Period) approx() int { return p.Years*365 + p.Months*30 + p.Days }

// Shorter reports whether p is shorter than q (by a year of 365 days and a
// month of 30).
func (p Period) Shorter(q Period) bool { return p.approx() < q.approx() }

// String writes the period as ParsePeriod reads it ("24 months", "7 years").
func (p Period) String() string {
	var parts []string
	for _, u := range []struct {
		n    int
		unit string
	}{{p.Years, "year"}, {p.Months, "month"}, {p.Days, "day"}} {
		switch {
		case u.n == 1:
			parts = append(parts, "1 "+u.unit)
		case u.n > 1:
			parts = append(parts, strconv.Itoa(u.n)+" "+u.unit+"s")
		}
	}

	if len(parts) == 0 {
		return "0 days"
	}
	return strings.Join(parts, " ")
}

// ParsePeriod reads "24 months", "7 years", "2 years 6 months", "90 days"
// (or the short forms 24mo, 7y, 90d).
func ParsePeriod(s string) (Period, error) {
	bad := Errorf(EINVALID, "%q is not a period: write it like \"24 months\", \"7 years\" or \"90 days\"", s)
	fields := strings.Fields(strings.ToLower(s))

	// "24mo" and "7y" are one field each: split the number from its unit.
	var toks []string
	for _, f := range fields {
		i := strings.IndexFunc(f, func(r rune) bool { return r < '0' || r > '9' })
		if i > 0 {
			toks = append(toks, f[:i], f[i:])
		} else {
			toks = append(toks, f)
		}
	}

	if len(toks) == 0 || len(toks)%2 != 0 {
		return Period{}, bad
	}

	// Number and unit, pair by pair.
	var p Period
	for i := 0; i < len(toks); i += 2 {
		n, err := strconv.Atoi(toks[i])
		if err != nil || n < 0 || n > 100*366 {
			return Period{}, bad
		}
		switch toks[i+1] {
		case "y", "year", "years":
			p.Years += n
		case "mo", "month", "months":
			p.Months += n
		case "d", "day", "days":
			p.Days += n
		case "m":
			return Period{}, Errorf(EINVALID, "%q: write months as \"mo\" or \"months\" (\"m\" could be minutes)", s)
		default:
			return Period{}, bad
		}
	}
	return p, nil
}

// MustPeriod is ParsePeriod for constants; it panics on a bad period.
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(fmt.Sprintf("tori: %v", err))
	}
	return p
}

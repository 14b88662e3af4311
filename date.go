package tori

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a calendar day with no time zone, as a therapist writes a day off.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EINVALID, "%q is not a date written as YYYY-MM-DD, such as 2026-12-24", s)
	}
	return DateOf(t), nil
}

// In returns the start of the day (wall clock 00:00, or the first instant of
// the day where midnight does not exist) in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// At returns the instant of wall-clock minute m (minutes after midnight) on d in loc.
func (d Date) At(m Minute, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(m)/60, int(m)%60, 0, 0, loc)
}

// AddDays returns the day n days after d (n may be negative).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or 1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	return cmp.Compare(d.Year*10000+int(d.Month)*100+d.Day, o.Year*10000+int(o.Month)*100+o.Day)
}

// DaysUntil returns the number of days from d to o (negative if o is earlier).
func (d Date) DaysUntil(o Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	b := time.Date(o.Year, o.Month, o.Day, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// WeekStart returns the day on or before d that is the week's first day.
func (d Date) WeekStart(first time.Weekday) Date {
	back := (int(d.Weekday()) - int(first) + 7) % 7
	return d.AddDays(-back)
}

// String writes "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Minute is a wall-clock time of day in minutes after midnight (0..1440).
type Minute int

// ParseMinute reads "HH:MM" (00:00 to 24:00).
func ParseMinute(s string) (Minute, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, Errorf(EINVALID, "%q is not a time written as HH:MM, such as 09:00", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, Errorf(EINVALID, "%q is not a time written as HH:MM between 00:00 and 24:00", s)
	}
	return Minute(h*60 + m), nil
}

// String writes "HH:MM".
func (m Minute) String() string { return fmt.Sprintf("%02d:%02d", int(m)/60, int(m)%60) }

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

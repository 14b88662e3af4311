// Package hebrew converts between the Hebrew calendar and the Gregorian one
// and knows the holidays Israel keeps, as data. It is computed from the
// published arithmetic (the molad, the four dehiyyot and the year length, as
// in Dershowitz & Reingold's Calendrical Calculations); stdlib only.
package hebrew

import (
	"fmt"
	"time"
)

// Month is a Hebrew month, numbered as the Torah does: Nisan is 1, Tishrei
// (the new year) 7, Adar 12, and Adar II 13 in a leap year.
type Month int

// The months. In a leap year Adar is Adar I and AdarII follows it.
const (
	Nisan Month = iota + 1
	Iyyar
	Sivan
	Tammuz
	Av
	Elul
	Tishrei
	Cheshvan
	Kislev
	Tevet
	Shevat
	Adar
	AdarII
)

// Date is a day of the Hebrew calendar.
type Date struct {
	Year  int // anno mundi, e.g. 5787
	Month Month
	Day   int
}

// Civil is a day of the Gregorian calendar.
type Civil struct {
	Year  int
	Month time.Month
	Day   int
}

// String writes "2006-01-02".
func (c Civil) String() string { return fmt.Sprintf("%04d-%02d-%02d", c.Year, c.Month, c.Day) }

// Weekday returns c's day of the week.
func (c Civil) Weekday() time.Weekday { return weekday(c.days()) }

// AddDays returns the day n days after c.
func (c Civil) AddDays(n int) Civil { return civilOf(c.days() + n) }

// days counts days from 1970-01-01.
func (c Civil) days() int {
	return int(time.Date(c.Year, c.Month, c.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400) // exact: midnight UTC
}

// civilOf is the day days after 1970-01-01.
func civilOf(days int) Civil {
	y, m, d := time.Unix(int64(days)*86400+43200, 0).UTC().Date()
	return Civil{y, m, d}
}

// weekday is the weekday of the day days after 1970-01-01, a Thursday.
func weekday(days int) time.Weekday { return time.Weekday((days%7 + 7 + 4) % 7) }

// Time of the molad in parts (chalakim): 1080 to the hour, 25920 to the day,
// counted from the evening that began the Sunday before the calendar's epoch.
const (
	partsPerHour  = 1080
	partsPerDay   = 24 * partsPerHour
	lunation      = 29*partsPerDay + 12*partsPerHour + 793 // a mean month: 29d 12h 793p
	moladBaharad  = 1*partsPerDay + 5*partsPerHour + 204   // molad of Tishrei in year 1: Monday, 5h 204p
	epochUnixDays = -2092590                               // 1 Tishrei of year 1 (Monday, day 1 of the count), in days from 1970-01-01
)

// IsLeap reports whether year y has thirteen months (Adar I and II): seven
// years of every nineteen.
func IsLeap(y int) bool { return (7*y+1)%19 < 7 }

// monthsBefore counts the months from the epoch to Tishrei of year y.
func monthsBefore(y int) int { return (235*y - 234) / 19 }

// newYearDay is the day (counted from the Sunday before the epoch, so that
// day%7 is the weekday, 0 Sunday) of 1 Tishrei of year y: the day of the
// molad of Tishrei, put off a day by the first of the postponements that
// applies, and a day more if it then falls on Sunday, Wednesday or Friday.
func newYearDay(y int) int {
	molad := moladBaharad + monthsBefore(y)*lunation
	day, part := molad/partsPerDay, molad%partsPerDay
	for _, postpone := range postponements {
		if postpone(y, day%7, part) {
			day++
			break
		}
	}
	if loADU(day % 7) {
		day++
	}
	return day
}

// postponements are the dehiyyot that move 1 Tishrei off the day of the
// molad, each on the molad's weekday wd (0 Sunday) and the part of that day
// it fell in (the day begins at 6 pm). A Tuesday put off to Wednesday goes on
// to Thursday by Lo ADU Rosh.
var postponements = []func(y, wd, part int) bool{
	// Molad zaken: a molad at or after noon.
	func(y, wd, part int) bool { return part >= 18*partsPerHour },
	// GaTaRaD: a common year's molad on Tuesday at or after 9h 204p.
	func(y, wd, part int) bool { return !IsLeap(y) && wd == 2 && part >= 9*partsPerHour+204 },
	// BeTUTaKPaT: after a leap year, a molad on Monday at or after 15h 589p.
	func(y, wd, part int) bool { return IsLeap(y-1) && wd == 1 && part >= 15*partsPerHour+589 },
}

// loADU (Lo ADU Rosh) is whether 1 Tishrei would fall on Sunday, Wednesday
// or Friday, which it never does.
func loADU(wd int) bool { return wd == 0 || wd == 3 || wd == 5 }

// YearDays is the length of Hebrew year y: 353-355 days, or 383-385 in a
// leap year.
func YearDays(y int) int { return newYearDay(y+1) - newYearDay(y) }

// MonthDays is the length of month m of year y; 0 for Adar II in a common year.
func MonthDays(y int, m Month) int {
	switch m {
	case Iyyar, Tammuz, Elul, Tevet, AdarII:
		if m == AdarII && !IsLeap(y) {
			return 0
		}
		return 29
	case Cheshvan:
		if YearDays(y)%10 == 5 { // a complete year: a long Cheshvan
			return 30
		}
		return 29
	case Kislev:
		if YearDays(y)%10 == 3 { // a deficient year: a short Kislev
			return 29
		}
		return 30
	case Adar:
		if IsLeap(y) {
			return 30 // Adar I
		}
		return 29
	}
	return 30
}

// Months lists year y's months from Tishrei.
func Months(y int) []Month {
	out := []Month{Tishrei, Cheshvan, Kislev, Tevet, Shevat, Adar}
	if IsLeap(y) {
		out = append(out, AdarII)
	}
	return append(out, Nisan, Iyyar, Sivan, Tammuz, Av, Elul)
}

// Valid reports whether d is a day of the Hebrew calendar.
func (d Date) Valid() bool {
	return d.Year >= 1 && d.Month >= Nisan && d.Month <= AdarII && d.Day >= 1 && d.Day <= MonthDays(d.Year, d.Month)
}

// Civil returns the Gregorian day that d falls on (the daytime of it: a
// Hebrew day begins at the sunset before).
func (d Date) Civil() Civil {
	day := newYearDay(d.Year)
	for _, m := range Months(d.Year) {
		if m == d.Month {
			break
		}
		day += MonthDays(d.Year, m)
	}
	return civilOf(epochUnixDays + day - 1 + d.Day - 1)
}

// FromCivil returns the Hebrew date of the Gregorian day c.
func FromCivil(c Civil) Date {
	day := c.days() - epochUnixDays + 1
	y := c.Year + 3760
	for newYearDay(y+1) <= day {
		y++
	}
	for newYearDay(y) > day {
		y--
	}

	left := day - newYearDay(y)
	for _, m := range Months(y) {
		if n := MonthDays(y, m); left >= n {
			left -= n
			continue
		}
		return Date{y, m, left + 1}
	}
	panic("hebrew: a day past the end of its year") // unreachable: the months fill the year
}

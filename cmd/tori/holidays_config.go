package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/hebrew"
)

// The Hebrew years whose holidays become the practice's closures: 5760 to
// 5860 (autumn 1999 to autumn 2100), so that no horizon runs past them.
const (
	closuresFrom = 5760
	closuresTo   = 5860
)

// defaultErevUntil is when the practice closes on the eve of a holiday
// unless erev_chag_until says otherwise: in Israel most close early, and
// many at 13:00.
const defaultErevUntil = tori.Minute(13 * 60)

// readHolidays reads practice.holidays, holidays_also and erev_chag_until
// into the practice's closures, and therapists[*].open_on (a date, or a
// holiday's id for every year) into the days each therapist works anyway.
func readHolidays(f *fileConfig, p *tori.Practice) error {
	fp := f.Practice
	switch strings.TrimSpace(fp.Holidays) {
	case "", "none":
		if len(fp.HolidaysAlso) > 0 || fp.ErevChagUntil != "" {
			return tori.Errorf(tori.EINVALID, "practice.holidays_also and erev_chag_until need practice.holidays: israel; set it, or remove them")
		}
		return readOpenOn(f, p, nil)
	case "israel":
	default:
		return tori.Errorf(tori.EINVALID, "practice.holidays %q: use israel (the Jewish holidays Israel keeps), or leave it out for none", fp.Holidays)
	}

	for i, id := range fp.HolidaysAlso {
		if !hebrew.Known(id) {
			return tori.Errorf(tori.EINVALID, "practice.holidays_also[%d] %q is not a holiday tori knows: use one of %s", i, id, strings.Join(optionalHolidays(), ", "))
		}
	}
	until, err := erevUntil(fp.ErevChagUntil)
	if err != nil {
		return err
	}

	var all []hebrew.Holiday
	for y := closuresFrom; y <= closuresTo; y++ {
		all = append(all, hebrew.Year(hebrew.Israel, y, true, fp.HolidaysAlso)...)
	}
	p.Closures = closures(all, until)
	return readOpenOn(f, p, all)
}

// erevUntil reads erev_chag_until: a time, "closed" (all day) or "open"
// (as usual: -1); unset, 13:00.
func erevUntil(s string) (tori.Minute, error) {
	switch s = strings.TrimSpace(s); s {
	case "":
		return defaultErevUntil, nil
	case "closed":
		return 0, nil
	case "open":
		return -1, nil
	}
	m, err := tori.ParseMinute(s)
	if err != nil || m <= 0 || m >= 24*60 {
		return 0, tori.Errorf(tori.EINVALID, "practice.erev_chag_until %q: write the time the practice closes on the eve of a holiday, such as \"13:00\", or closed, or open", s)
	}
	return m, nil
}

// closures are the days the holidays close and their eves close early
// (until; -1 leaves the eves open), sorted by day; a day that is both is
// closed all day.
func closures(hs []hebrew.Holiday, until tori.Minute) []tori.Closure {
	byDay := map[tori.Date]tori.Closure{}
	if until >= 0 {
		for _, e := range hebrew.Eves(hs) {
			d := dateOf(e.Civil)
			byDay[d] = tori.Closure{Date: d, Names: e.Names, Until: until}
		}
	}
	for _, h := range hs {
		d := dateOf(h.Civil)
		byDay[d] = tori.Closure{Date: d, Names: h.Names}
	}

	out := make([]tori.Closure, 0, len(byDay))
	for _, c := range byDay {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b tori.Closure) int { return a.Date.Compare(b.Date) })
	return out
}

// readOpenOn reads therapists[*].open_on: a date (YYYY-MM-DD) or the id of
// a holiday, which opens it every year (among all).
func readOpenOn(f *fileConfig, p *tori.Practice, all []hebrew.Holiday) error {
	for i, ft := range f.Therapists {
		for k, v := range ft.OpenOn {
			field := fmt.Sprintf("therapists[%d].open_on[%d]", i, k)
			days, err := openDays(strings.TrimSpace(v), all)
			if err != nil {
				return tori.WrapError(tori.EINVALID, err, "%s: %s", field, tori.ErrorMessage(err))
			}
			p.Therapists[i].OpenOn = append(p.Therapists[i].OpenOn, days...)
		}
	}
	return nil
}

// openDays is what one open_on entry opens.
func openDays(v string, all []hebrew.Holiday) ([]tori.Date, error) {
	if hebrew.Known(v) {
		var out []tori.Date
		for _, h := range all {
			if h.ID == v {
				out = append(out, dateOf(h.Civil))
			}
		}
		if len(out) == 0 {
			return nil, tori.Errorf(tori.EINVALID, "the practice does not close on %s: add it to practice.holidays_also, or remove it here", v)
		}
		return out, nil
	}
	d, err := tori.ParseDate(v)
	if err != nil {
		return nil, tori.Errorf(tori.EINVALID, "%q is neither a date written as YYYY-MM-DD nor a holiday's id such as yom_haatzmaut", v)
	}
	return []tori.Date{d}, nil
}

// optionalHolidays are the ids of the holidays holidays_also may add.
func optionalHolidays() []string {
	var out []string
	for _, r := range hebrew.Israel {
		if !r.YomTov && !slices.Contains(out, r.ID) {
			out = append(out, r.ID)
		}
	}
	return out
}

func dateOf(c hebrew.Civil) tori.Date { return tori.Date{Year: c.Year, Month: c.Month, Day: c.Day} }

package hebrew

import (
	"slices"
	"time"
)

// Rule is one holiday as data: its day in the Hebrew calendar and how it
// moves off the weekdays it may not fall on. The law has moved days before
// (Yom HaAtzmaut's Monday rule came in 5764), so the table is the place to
// change, not the code.
type Rule struct {
	ID    string            // as written in the configuration, e.g. "yom_haatzmaut"
	Names map[string]string // per language ("en", "he")
	Month Month             // Adar means the last Adar: Adar II in a leap year
	Day   int
	// Moves shift the day by a number of days when it would fall on the
	// weekday; from the Hebrew year Since (0: always).
	Moves map[time.Weekday]int
	Since int
	// YomTov marks the days of rest Israel keeps: the practice closes on
	// them by default, and their eve is erev chag.
	YomTov bool
}

// Israel is the table of the holidays Israel keeps: the days of Yom Tov
// (one day each, Rosh Hashana two) and the national days a practice may
// close on as well, by id.
var Israel = []Rule{
	{ID: "rosh_hashana_1", Month: Tishrei, Day: 1, YomTov: true, Names: names("Rosh Hashana", "ראש השנה")},
	{ID: "rosh_hashana_2", Month: Tishrei, Day: 2, YomTov: true, Names: names("Rosh Hashana (second day)", "ראש השנה (יום ב׳)")},
	{ID: "yom_kippur", Month: Tishrei, Day: 10, YomTov: true, Names: names("Yom Kippur", "יום כיפור")},
	{ID: "sukkot", Month: Tishrei, Day: 15, YomTov: true, Names: names("Sukkot", "סוכות")},
	{ID: "shemini_atzeret", Month: Tishrei, Day: 22, YomTov: true, Names: names("Shemini Atzeret / Simchat Torah", "שמיני עצרת / שמחת תורה")},
	{ID: "pesach_1", Month: Nisan, Day: 15, YomTov: true, Names: names("Pesach", "פסח")},
	{ID: "pesach_7", Month: Nisan, Day: 21, YomTov: true, Names: names("Pesach (seventh day)", "שביעי של פסח")},
	{ID: "shavuot", Month: Sivan, Day: 6, YomTov: true, Names: names("Shavuot", "שבועות")},

	// Never on Friday or Saturday (brought forward), nor on Monday (put off
	// a day, so that Yom HaZikaron does not follow a Saturday night), since 5764.
	{ID: "yom_haatzmaut", Month: Iyyar, Day: 5, Names: names("Yom HaAtzmaut", "יום העצמאות"),
		Moves: map[time.Weekday]int{time.Friday: -1, time.Saturday: -2}},
	{ID: "yom_haatzmaut", Month: Iyyar, Day: 5, Since: 5764, Names: names("Yom HaAtzmaut", "יום העצמאות"),
		Moves: map[time.Weekday]int{time.Friday: -1, time.Saturday: -2, time.Monday: 1}},
	// The day before Yom HaAtzmaut, wherever that has moved.
	{ID: "yom_hazikaron", Month: Iyyar, Day: 4, Names: names("Yom HaZikaron", "יום הזיכרון"),
		Moves: map[time.Weekday]int{time.Thursday: -1, time.Friday: -2}},
	{ID: "yom_hazikaron", Month: Iyyar, Day: 4, Since: 5764, Names: names("Yom HaZikaron", "יום הזיכרון"),
		Moves: map[time.Weekday]int{time.Thursday: -1, time.Friday: -2, time.Sunday: 1}},
	// Kept away from the Sabbath: Friday back to Thursday, Sunday on to Monday.
	{ID: "yom_hashoah", Month: Nisan, Day: 27, Names: names("Yom HaShoah", "יום השואה"),
		Moves: map[time.Weekday]int{time.Friday: -1, time.Sunday: 1}},
	{ID: "purim", Month: Adar, Day: 14, Names: names("Purim", "פורים")},
	// A fast put off to Sunday when 9 Av is a Saturday.
	{ID: "tisha_bav", Month: Av, Day: 9, Names: names("Tisha B'Av", "תשעה באב"),
		Moves: map[time.Weekday]int{time.Saturday: 1}},
}

func names(en, he string) map[string]string { return map[string]string{"en": en, "he": he} }

// Holiday is a rule's day in one year.
type Holiday struct {
	Rule
	Civil  Civil
	Hebrew Date // the day before any move
}

// Known reports whether id names a holiday of the table.
func Known(id string) bool {
	return slices.ContainsFunc(Israel, func(r Rule) bool { return r.ID == id })
}

// In returns the day rule r falls on in Hebrew year y, and false when the
// rule is not the one in force that year (a later version replaces it).
func (r Rule) In(y int, table []Rule) (Holiday, bool) {
	if r.Since > y {
		return Holiday{}, false
	}
	for _, o := range table {
		if o.ID == r.ID && o.Since > r.Since && o.Since <= y {
			return Holiday{}, false
		}
	}

	m := r.Month
	if m == Adar && IsLeap(y) {
		m = AdarII
	}
	h := Holiday{Rule: r, Hebrew: Date{y, m, r.Day}}
	h.Civil = h.Hebrew.Civil()
	h.Civil = h.Civil.AddDays(r.Moves[h.Civil.Weekday()])
	return h, true
}

// Year returns the holidays of Hebrew year y in table whose id is in ids (all
// of Yom Tov when yomTov is set), in the order of the days.
func Year(table []Rule, y int, yomTov bool, ids []string) []Holiday {
	var out []Holiday
	for _, r := range table {
		if !(yomTov && r.YomTov) && !slices.Contains(ids, r.ID) {
			continue
		}
		if h, ok := r.In(y, table); ok {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Civil.days() - b.Civil.days() })
	return out
}

// Eve is erev chag: the day before a day of Yom Tov that is not itself one
// (so Rosh Hashana has one eve), named after the holiday it leads into.
type Eve struct {
	Civil Civil
	Names map[string]string
}

// Eves returns the eves of the days of Yom Tov among hs (sorted by day).
func Eves(hs []Holiday) []Eve {
	var out []Eve
	for i, h := range hs {
		if !h.YomTov {
			continue
		}
		day := h.Civil.AddDays(-1)
		if i > 0 && hs[i-1].YomTov && hs[i-1].Civil == day {
			continue
		}
		out = append(out, Eve{Civil: day, Names: names("Erev "+h.Names["en"], "ערב "+h.Names["he"])})
	}
	return out
}

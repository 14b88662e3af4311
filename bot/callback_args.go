package bot

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// argKind is the kind of one argument of callback data.
type argKind int

// The kinds of argument, each read by its parser in argParsers.
const (
	aService argKind = iota
	aTherapist
	aAppt
	aDay
	aTime
	aLang
	aClient // a Telegram user id, or a client without Telegram's (tori.OfflineBase on)
	aMode   // exempt, required, policy
	aSpec   // a block: Dyyyymmddyyyymmdd (whole days) or T<start>-<end> (unix minutes, base 36)
	aBlock  // blk-xxxxxxxx
	aKeep   // c (cancel the bookings) or k (keep them)
	aPercent
	aWeek   // a day of the week shown (yyyymmdd)
	aTo     // the last day of a range (yyyymmdd)
	aPart   // a part of the day: any, am, pm, ev
	aEntry  // a waitlist entry: w + 10 id characters
	aToken  // a confirmation token: 10 id characters
	aEvery  // 1 (weekly) or 2 (every other week)
	aPlan   // a series' rhythm and length: the weeks between (1 or 2), then how many (2 to 104)
	aSkip   // weeks of the series skipped, a set in base 36 (after aPlan: only weeks it has)
	aStamp  // what a view showed, 1 to 6 base 36 characters (checked when pressed)
	aSeries // a series id (like an appointment's)
	aOpts   // how the practice books: see forOpts
)

// argParsers reads an argument of each kind into the action; false when v
// is not exactly what a button of ours carries.
var argParsers = [...]func(a *Action, v string) bool{
	aService: func(a *Action, v string) bool { a.Service = v; return isID(v) },
	aTherapist: func(a *Action, v string) bool {
		if v == "*" { // the first available: Therapist stays ""
			return true
		}
		a.Therapist = v
		return isID(v)
	},
	aAppt: func(a *Action, v string) bool {
		a.Appt = v
		_, ok := tori.TherapistOfID(v)
		return ok
	},
	aDay:  func(a *Action, v string) (ok bool) { a.Day, ok = parseDay(v); return ok },
	aWeek: func(a *Action, v string) (ok bool) { a.Week, ok = parseDay(v); return ok },
	aTo: func(a *Action, v string) (ok bool) {
		a.To, ok = parseDay(v)
		return ok && !a.To.Before(a.Day)
	},
	aPart:  func(a *Action, v string) (ok bool) { a.Part, ok = partOf(v); return ok },
	aEntry: func(a *Action, v string) bool { a.Entry = v; return len(v) == 11 && v[0] == 'w' && isID(v[1:]) },
	aToken: func(a *Action, v string) bool { a.Token = v; return len(v) == 10 && isID(v) },
	aTime:  func(a *Action, v string) (ok bool) { a.Time, ok = parseTime(v); return ok },
	aLang:  func(a *Action, v string) bool { a.Lang = v; return v == "en" || v == "he" },
	aClient: func(a *Action, v string) bool {
		n, err := strconv.ParseInt(v, 10, 64)
		a.Client = n
		return err == nil && n > 0 && len(v) <= 16 && v[0] != '+' && v[0] != '0'
	},
	aMode: func(a *Action, v string) bool {
		a.Mode = v
		return v == tori.PrepayExempt || v == tori.PrepayRequired || v == "policy"
	},
	aSpec: func(a *Action, v string) (ok bool) { a.Spec, ok = parseSpec(v); return ok },
	aBlock: func(a *Action, v string) bool {
		a.Block = v
		return len(v) == 12 && strings.HasPrefix(v, "blk-") && isID(v[4:])
	},
	aKeep: func(a *Action, v string) bool { a.Keep = v == "k"; return v == "k" || v == "c" },
	aPercent: func(a *Action, v string) bool {
		n, err := strconv.Atoi(v)
		a.Percent = n
		return err == nil && n >= 0 && n <= 100 && strconv.Itoa(n) == v
	},
	aEvery: func(a *Action, v string) bool {
		if v != "1" && v != "2" {
			return false
		}
		a.Every = int(v[0] - '0')
		return true
	},
	aPlan: func(a *Action, v string) bool {
		if len(v) < 2 || v[0] != '1' && v[0] != '2' {
			return false
		}
		n, err := strconv.Atoi(v[1:])
		a.Every, a.Count = int(v[0]-'0'), n
		return err == nil && n >= 2 && n <= maxSeriesWeeks && strconv.Itoa(n) == v[1:]
	},
	aSkip:   func(a *Action, v string) (ok bool) { a.Skip, ok = parseWeeks(v, a.Count); return ok },
	aStamp:  func(a *Action, v string) bool { a.Stamp = v; return isStamp(v) },
	aSeries: func(a *Action, v string) bool { a.Series = v; _, ok := tori.TherapistOfID(v); return ok },
	aOpts:   func(a *Action, v string) (ok bool) { a.Opts, ok = parseForOpts(v); return ok },
}

// maxSeriesWeeks is the most sessions a series' buttons carry (the most
// series.max_occurrences allows).
const maxSeriesWeeks = 104

// planArg writes a series' rhythm and length for callback data: "112" is
// every week, 12 sessions.
func planArg(every, count int) string { return strconv.Itoa(every) + strconv.Itoa(count) }

// weeks is a set of a series' weeks: bit k is week k (0 the first).
type weeks [2]uint64

func (w weeks) has(k int) bool { return k >= 0 && k < 128 && w[k/64]&(1<<(k%64)) != 0 }

func (w weeks) with(k int) weeks { w[k/64] |= 1 << (k % 64); return w }

func (w weeks) without(k int) weeks { w[k/64] &^= 1 << (k % 64); return w }

// String writes the set for callback data: a number in base 36 (at most
// 21 characters for 104 weeks).
func (w weeks) String() string {
	n := new(big.Int).SetUint64(w[1])
	n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(w[0]))
	return n.Text(36)
}

// parseWeeks reads a set written by weeks.String with no week from count
// on; anything else (a leading zero, a sign, upper case) is refused.
func parseWeeks(v string, count int) (weeks, bool) {
	if len(v) == 0 || len(v) > 21 || len(v) > 1 && v[0] == '0' || !lowerBase36(v) {
		return weeks{}, false
	}
	n, ok := new(big.Int).SetString(v, 36)
	if !ok || n.BitLen() > count {
		return weeks{}, false
	}
	lo := new(big.Int).And(n, new(big.Int).SetUint64(^uint64(0)))
	return weeks{lo.Uint64(), new(big.Int).Rsh(n, 64).Uint64()}, true
}

// isStamp reports whether v is a stamp as stampOf writes it: a number
// under 2³⁰ in base 36, without a leading zero.
func isStamp(v string) bool {
	if len(v) == 0 || len(v) > 6 || len(v) > 1 && v[0] == '0' || !lowerBase36(v) {
		return false
	}
	n, err := strconv.ParseUint(v, 36, 64)
	return err == nil && n < 1<<30
}

func lowerBase36(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// partArg writes a part of the day for callback data ("any" for any time).
func partArg(p tori.DayPart) string {
	if p == tori.AnyTime {
		return "any"
	}
	return string(p)
}

func partOf(v string) (tori.DayPart, bool) {
	if v == "any" {
		return tori.AnyTime, true
	}
	p := tori.DayPart(v)
	return p, p != tori.AnyTime && p.Valid()
}

func isID(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// blockSpec is a block being made: whole days From..To, or the instants
// Start..End.
type blockSpec struct {
	From, To   tori.Date
	Start, End time.Time
}

func (s blockSpec) wholeDays() bool { return !s.From.IsZero() }

func (s blockSpec) String() string {
	if s.wholeDays() {
		return "D" + dayArg(s.From) + dayArg(s.To)
	}
	return "T" + timeArg(s.Start) + "-" + timeArg(s.End)
}

func parseSpec(v string) (blockSpec, bool) {
	switch {
	case strings.HasPrefix(v, "D") && len(v) == 17:
		from, ok1 := parseDay(v[1:9])
		to, ok2 := parseDay(v[9:])
		return blockSpec{From: from, To: to}, ok1 && ok2 && !to.Before(from) && from.DaysUntil(to) <= 366
	case strings.HasPrefix(v, "T"):
		a, b, ok := strings.Cut(v[1:], "-")
		start, ok1 := parseTime(a)
		end, ok2 := parseTime(b)
		return blockSpec{Start: start, End: end}, ok && ok1 && ok2 && start.Before(end) && end.Sub(start) <= 48*time.Hour
	}
	return blockSpec{}, false
}

func dayArg(d tori.Date) string {
	return strconv.Itoa(d.Year*10000 + int(d.Month)*100 + d.Day)
}

func parseDay(s string) (tori.Date, bool) {
	if len(s) != 8 {
		return tori.Date{}, false
	}
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return tori.Date{}, false
		}
	}
	d, err := tori.ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:])
	if err != nil || d.Year < 2000 || d.Year > 2200 {
		return tori.Date{}, false
	}
	return d, true
}

func timeArg(t time.Time) string { return strconv.FormatInt(t.Unix()/60, 36) }

// parseTime reads unix minutes in base 36 (lower case), between 2000 and 2200.
func parseTime(s string) (time.Time, bool) {
	if len(s) == 0 || len(s) > 8 || !lowerBase36(s) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 36, 64)
	if err != nil || n < 946684800/60 || n > 7258118400/60 {
		return time.Time{}, false
	}
	return time.Unix(n*60, 0).UTC(), true
}

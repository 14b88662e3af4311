package bot

import (
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
	aClient // a Telegram user id
	aMode   // exempt, required, policy
	aSpec   // a block: Dyyyymmddyyyymmdd (whole days) or T<start>-<end> (unix minutes, base 36)
	aBlock  // blk-xxxxxxxx
	aKeep   // c (cancel the bookings) or k (keep them)
	aPercent
	aWeek  // a day of the week shown (yyyymmdd)
	aTo    // the last day of a range (yyyymmdd)
	aPart  // a part of the day: any, am, pm, ev
	aEntry // a waitlist entry: w + 10 id characters
	aToken // a confirmation token: 10 id characters
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
		return err == nil && n > 0 && len(v) <= 15 && v[0] != '+' && v[0] != '0'
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
	if len(s) == 0 || len(s) > 8 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 36, 64)
	if err != nil || n < 946684800/60 || n > 7258118400/60 {
		return time.Time{}, false
	}
	return time.Unix(n*60, 0).UTC(), true
}

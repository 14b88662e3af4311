package bot

import (
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Callback data is untrusted input: anyone can send any bytes for any
// button. It is parsed strictly into an action, and every action is then
// authorized against server-side state and the sender's id.
//
// Grammar: verb[:arg]*, at most 64 bytes. Arguments are ids (service,
// therapist, appointment), a day (yyyymmdd), a start time (unix minutes in
// base 36, unambiguous on the night clocks go back), or a language.

// Verbs.
const (
	vMenu         = "m"  // main menu
	vBook         = "b"  // list services
	vService      = "s"  // s:svc
	vTherapist    = "p"  // p:svc:thr — therapist chosen ("*" = first available)
	vWeek         = "w"  // w:svc:thr:day
	vDay          = "d"  // d:svc:thr:day
	vTime         = "t"  // t:svc:thr:time — hold it
	vConfirm      = "k"  // k:hold
	vChange       = "c"  // c:hold — let go, choose another time
	vAbandon      = "x"  // x:hold — let go, stop
	vMine         = "my" // my bookings
	vCancelAsk    = "q"  // q:appt
	vCancelDo     = "qq" // qq:appt
	vReschedule   = "r"  // r:appt
	vRescheduleWk = "rw" // rw:appt:day
	vRescheduleDy = "rd" // rd:appt:day
	vRescheduleTm = "rt" // rt:appt:time
	vHelp         = "h"
	vLang         = "l" // l:lang
	vNoop         = "n" // a label that does nothing
	vAttend       = "y" // y:appt — "I'll be there"

	// The practice's side (authorized against the sender's Telegram id).
	vAdminDay      = "ag"  // ag:day — the day's sessions
	vAdminOpen     = "ao"  // ao:appt — one appointment, with actions
	vAdminCancel   = "ac"  // ac:appt — cancel as the practice?
	vAdminCancelDo = "acc" // acc:appt
	vAdminNoShow   = "an"  // an:appt
	vAdminDone     = "ad"  // ad:appt — completed
	vAdminNote     = "at"  // at:appt — the next text is the note
	vAdminNoteOver = "ar"  // ar:appt — the next text replaces a note this server cannot read
	vAdminClient   = "acl" // acl:client — history
	vAdminPrepay   = "ap"  // ap:client:mode
	vBlockWeek     = "bw"  // bw:thr:day — choose a day to block
	vBlockDay      = "bd"  // bd:thr:day — whole day, part, several days
	vBlockStart    = "bs"  // bs:thr:day — choose when the block starts
	vBlockEnd      = "be"  // be:thr:time — choose when it ends
	vBlockUntil    = "bu"  // bu:thr:first:week — choose the last day of several, from a week's days
	vBlockAsk      = "bx"  // bx:thr:spec — confirm, listing bookings in the way
	vBlockDo       = "by"  // by:thr:spec:c|k — block (and cancel those bookings, or keep them)
	vUnblock       = "ux"  // ux:thr:block
	vCalendarNew   = "kr"  // kr:thr — a new feed link

	vWaitJoin  = "wj" // wj:svc:thr:from:to — join the waitlist: choose the part of the day
	vWaitPart  = "wp" // wp:svc:thr:from:to:part — join
	vWaitLeave = "wl" // wl:entry — leave the waitlist
	vOfferTake = "wt" // wt:appt — take a waitlist offer
	vOfferPass = "wn" // wn:appt — not this time

	vPrivacy        = "pv"  // what tori keeps about the sender
	vPrivacyExport  = "pe"  // send them a copy
	vPrivacyErase   = "px"  // ask before erasing
	vPrivacyEraseDo = "pxx" // pxx:token — erase (the token kept in their chat state)
)

// argument kinds
const (
	aService = iota
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

var grammar = map[string][]int{
	vMenu:         {},
	vBook:         {},
	vService:      {aService},
	vTherapist:    {aService, aTherapist},
	vWeek:         {aService, aTherapist, aDay},
	vDay:          {aService, aTherapist, aDay},
	vTime:         {aService, aTherapist, aTime},
	vConfirm:      {aAppt},
	vChange:       {aAppt},
	vAbandon:      {aAppt},
	vMine:         {},
	vCancelAsk:    {aAppt},
	vCancelDo:     {aAppt, aPercent},
	vReschedule:   {aAppt},
	vRescheduleWk: {aAppt, aDay},
	vRescheduleDy: {aAppt, aDay},
	vRescheduleTm: {aAppt, aTime},
	vHelp:         {},
	vLang:         {aLang},
	vNoop:         {},
	vAttend:       {aAppt},

	vAdminDay:      {aDay},
	vAdminOpen:     {aAppt},
	vAdminCancel:   {aAppt},
	vAdminCancelDo: {aAppt},
	vAdminNoShow:   {aAppt},
	vAdminDone:     {aAppt},
	vAdminNote:     {aAppt},
	vAdminNoteOver: {aAppt},
	vAdminClient:   {aClient},
	vAdminPrepay:   {aClient, aMode},
	vBlockWeek:     {aTherapist, aDay},
	vBlockDay:      {aTherapist, aDay},
	vBlockStart:    {aTherapist, aDay},
	vBlockEnd:      {aTherapist, aTime},
	vBlockUntil:    {aTherapist, aDay, aWeek},
	vBlockAsk:      {aTherapist, aSpec},
	vBlockDo:       {aTherapist, aSpec, aKeep},
	vUnblock:       {aTherapist, aBlock},
	vCalendarNew:   {aTherapist},

	vWaitJoin:  {aService, aTherapist, aDay, aTo},
	vWaitPart:  {aService, aTherapist, aDay, aTo, aPart},
	vWaitLeave: {aEntry},
	vOfferTake: {aAppt},
	vOfferPass: {aAppt},

	vPrivacy:        {},
	vPrivacyExport:  {},
	vPrivacyErase:   {},
	vPrivacyEraseDo: {aToken},
}

// Action is parsed callback data.
type Action struct {
	Verb      string
	Service   string
	Therapist string // "" means any (first available)
	Appt      string
	Day       tori.Date
	Week      tori.Date // a day of the week shown
	To        tori.Date // the last day of a range
	Part      tori.DayPart
	Entry     string
	Time      time.Time
	Lang      string
	Client    int64
	Mode      string
	Spec      blockSpec
	Block     string
	Keep      bool
	Percent   int
	Token     string
}

// ParseCallback parses callback data strictly. ok is false for anything that
// is not exactly what a button of ours could carry.
func ParseCallback(data string) (Action, bool) {
	if len(data) == 0 || len(data) > 64 {
		return Action{}, false
	}
	parts := strings.Split(data, ":")
	kinds, known := grammar[parts[0]]
	if !known || len(parts)-1 != len(kinds) {
		return Action{}, false
	}
	a := Action{Verb: parts[0]}
	for i, k := range kinds {
		v := parts[i+1]
		var ok bool
		switch k {
		case aService:
			a.Service, ok = v, isID(v)
		case aTherapist:
			if v == "*" {
				ok = true
			} else {
				a.Therapist, ok = v, isID(v)
			}
		case aAppt:
			_, ok = tori.TherapistOfID(v)
			a.Appt = v
		case aDay:
			a.Day, ok = parseDay(v)
		case aWeek:
			a.Week, ok = parseDay(v)
		case aTo:
			a.To, ok = parseDay(v)
			ok = ok && !a.To.Before(a.Day)
		case aPart:
			a.Part, ok = partOf(v)
		case aEntry:
			a.Entry, ok = v, len(v) == 11 && v[0] == 'w' && isID(v[1:])
		case aToken:
			a.Token, ok = v, len(v) == 10 && isID(v)
		case aTime:
			a.Time, ok = parseTime(v)
		case aLang:
			a.Lang, ok = v, v == "en" || v == "he"
		case aClient:
			n, err := strconv.ParseInt(v, 10, 64)
			a.Client, ok = n, err == nil && n > 0 && len(v) <= 15 && v[0] != '+' && v[0] != '0'
		case aMode:
			a.Mode, ok = v, v == tori.PrepayExempt || v == tori.PrepayRequired || v == "policy"
		case aSpec:
			a.Spec, ok = parseSpec(v)
		case aBlock:
			a.Block, ok = v, len(v) == 12 && strings.HasPrefix(v, "blk-") && isID(v[4:])
		case aKeep:
			a.Keep, ok = v == "k", v == "k" || v == "c"
		case aPercent:
			n, err := strconv.Atoi(v)
			a.Percent, ok = n, err == nil && n >= 0 && n <= 100 && strconv.Itoa(n) == v
		}
		if !ok {
			return Action{}, false
		}
	}
	return a, true
}

// cb builds callback data; the verbs and arguments are ours, so it never
// exceeds 64 bytes for valid ids.
func cb(verb string, args ...string) string {
	return strings.Join(append([]string{verb}, args...), ":")
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

func thr(id string) string {
	if id == "" {
		return "*"
	}
	return id
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

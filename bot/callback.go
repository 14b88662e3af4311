package bot

import (
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// The verbs of callback data, each with the arguments it carries (grammar).
//
// Callback data is untrusted input: anyone can send any bytes for any
// button. It is parsed strictly into an action (ParseCallback), and every
// action is then authorized against server-side state and the sender's id.
// Its grammar is verb[:arg]*, at most 64 bytes; the arguments are ids
// (service, therapist, appointment), a day (yyyymmdd), a start time (unix
// minutes in base 36, unambiguous on the night clocks go back), or a
// language (callback_args.go reads each kind).
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
	vClientNew     = "acn" // a client without Telegram: the next texts are their name and phone
	vClientInvite  = "aci" // aci:client — an invite link for a client without Telegram
	vClientForget  = "acf" // acf:client — erase a client without Telegram?
	vClientForgot  = "acx" // acx:client — erase them
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

	// A series from a held time (series.go): the hold is the first week,
	// and names the client, the service, the therapist and the time.
	vSeriesCount  = "sc"  // sc:hold:every — how many sessions?
	vSeriesPlan   = "sp"  // sp:hold:plan:skip — every week, with a choice for each in conflict
	vSeriesBook   = "sb"  // sb:hold:plan:skip:stamp — book the weeks as shown (stamp)
	vSeriesBack   = "sv"  // sv:hold — back to the held time's summary
	vSeriesOpen   = "ms"  // ms:series — one of the client's series (/my)
	vSeriesMore   = "sy"  // sy:series — continue the series ending for as many more
	vSeriesEnough = "sz"  // sz:series — let it end
	vCancelRest   = "qa"  // qa:appt — cancel this session and the later ones of its series?
	vCancelRestDo = "qaa" // qaa:appt:stamp — cancel them on the terms shown (stamp)

	// A week an open-ended series missed as it extended (series_gap.go).
	vSeriesGapTake  = "sg"  // sg:series:time — the client books the nearest free time that week
	vSeriesGapSkip  = "sk"  // sk:series — the client lets the week go
	vAdminSeriesGap = "asg" // asg:series:time — the practice books it for the client

	// The practice ends a series from one session on (series_practice_cancel.go).
	vAdminCancelRest   = "aq"  // aq:appt — cancel this session and the later ones of its series?
	vAdminCancelRestDo = "aqq" // aqq:appt:stamp — cancel them as shown (stamp)
	// The practice books for a client (practice_book.go): the token names
	// the client in the sender's chat state (the latest /book there).
	vForServices = "fv" // fv:token — the services
	vForService  = "fs" // fs:token:svc — the therapists the sender manages
	vForWeek     = "fw" // fw:token:svc:thr:day
	vForDay      = "fd" // fd:token:svc:thr:day
	vForTime     = "ft" // ft:token:svc:thr:time — once, weekly or every 2 weeks?
	vForBook     = "fb" // fb:token:svc:thr:time:opts — the next step, or book (forOpts)
	vForNext     = "fn" // fn:appt — book the next one (a session's card)
	vForClient   = "fc" // fc:client — book for this client (their card)
)

// grammar is the arguments each verb carries, in order.
var grammar = map[string][]argKind{
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
	vClientNew:     {},
	vClientInvite:  {aClient},
	vClientForget:  {aClient},
	vClientForgot:  {aClient},
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

	vSeriesCount:  {aAppt, aEvery},
	vSeriesPlan:   {aAppt, aPlan, aSkip},
	vSeriesBook:   {aAppt, aPlan, aSkip, aStamp},
	vSeriesBack:   {aAppt},
	vSeriesOpen:   {aSeries},
	vSeriesMore:   {aSeries},
	vSeriesEnough: {aSeries},
	vCancelRest:   {aAppt},
	vCancelRestDo: {aAppt, aStamp},

	vSeriesGapTake:  {aSeries, aTime},
	vSeriesGapSkip:  {aSeries},
	vAdminSeriesGap: {aSeries, aTime},

	vAdminCancelRest:   {aAppt},
	vAdminCancelRestDo: {aAppt, aStamp},
	vForServices:       {aToken},
	vForService:        {aToken, aService},
	vForWeek:           {aToken, aService, aTherapist, aDay},
	vForDay:            {aToken, aService, aTherapist, aDay},
	vForTime:           {aToken, aService, aTherapist, aTime},
	vForBook:           {aToken, aService, aTherapist, aTime, aOpts},
	vForNext:           {aAppt},
	vForClient:         {aClient},
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
	Series    string
	Every     int   // weeks between sessions of a series: 1 or 2
	Count     int   // sessions of a series
	Skip      weeks // the weeks of a series the client skips
	Stamp     string
	Opts      forOpts // how the practice books (vForBook)
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

	// Each argument in turn, read by the parser of its kind (in order: a
	// range's last day is checked against its first).
	a := Action{Verb: parts[0]}
	for i, k := range kinds {
		if !argParsers[k](&a, parts[i+1]) {
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

// thr writes a therapist for callback data ("*" for the first available).
func thr(id string) string {
	if id == "" {
		return "*"
	}
	return id
}

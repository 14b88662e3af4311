package bot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// managed is the therapists the sender manages (none for a client).
func (c *turn) managed() []tori.Therapist { return c.practice.Managed(c.in.User.ID) }

func (c *turn) isAdmin() bool { return len(c.managed()) > 0 }

func (c *turn) manages(tid string) bool {
	for _, t := range c.managed() {
		if t.ID == tid {
			return true
		}
	}
	return false
}

// managesAll reports whether the sender manages every calendar (staff, or
// the therapist of a one-person practice): practice-wide settings, such as
// a client's prepayment, are theirs to change.
func (c *turn) managesAll() bool { return len(c.managed()) == len(c.practice.Therapists) }

// dropNote forgets a note, a new client or the client /book asked for,
// that the sender started and did not finish: any other command or button
// means they moved on.
func (c *turn) dropNote() {
	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Note != "" || st.NewClient != "" || st.ForWho {
		c.saveState(c.ctx, c.in.User.ChatID, state{})
	}
}

func (c *turn) managedIDs() []string {
	var out []string
	for _, t := range c.managed() {
		out = append(out, t.ID)
	}
	return out
}

// adminLang is the sender's language for admin views: the therapist's
// configured language, else their own.
func (c *turn) adminLang() string {
	if t, ok := c.practice.TherapistOf(c.in.User.ID); ok && t.Lang != "" {
		return t.Lang
	}
	return c.lang
}

// refuseAdmin answers an admin command or button from someone who may not
// use it: the client menu, and a line in the log.
func (c *turn) refuseAdmin(what string) {
	c.log.Warn("admin action refused", "user", c.in.User.ID, "what", what)
	c.start()
}

// adminAppt loads an appointment the sender manages; anything else is
// refused as if it did not exist.
func (c *turn) adminAppt(id string) (tori.Appointment, bool) {
	a, err := c.bookings.Store.Appointment(c.ctx, id)
	if err != nil {
		c.refuse("load appointment", err, refusals{tori.ENOTFOUND: func() { c.refuseAdmin("appointment " + id) }})
		return tori.Appointment{}, false
	}
	if !c.manages(a.TherapistID) {
		c.refuseAdmin("appointment " + id)
		return tori.Appointment{}, false
	}
	return a, true
}

// adminCommands is what each of the practice's commands does. Only
// Telegram ids configured as a therapist (their own calendar) or as staff
// (every calendar) reach them; anyone else gets the client menu, and the
// refusal is logged.
var adminCommands = map[string]func(c *turn, cmd Command){
	"today":    func(c *turn, _ Command) { c.adminDay(c.practice.Today(c.now)) },
	"week":     func(c *turn, _ Command) { c.adminWeek(c.practice.Today(c.now)) },
	"agenda":   (*turn).agendaCommand,
	"block":    func(c *turn, _ Command) { c.blockStart() },
	"unblock":  func(c *turn, _ Command) { c.unblockList() },
	"client":   func(c *turn, cmd Command) { c.clientLookup(cmd.Arg) },
	"calendar": func(c *turn, _ Command) { c.calendarLinks(false, "") },
	"book":     (*turn).bookCommand, // for a client (practice_book.go)
}

// onAdminCommand runs an admin command; false when it is not one.
func (c *turn) onAdminCommand(cmd Command) bool {
	run, ok := adminCommands[cmd.Name]
	if !ok {
		return false
	}
	if !c.isAdmin() {
		if _, theirs := clientCommands[cmd.Name]; theirs { // /book: a client books for themselves
			return false
		}
		c.refuseAdmin("/" + cmd.Name)
		return true
	}
	c.dropNote()
	c.lang = c.adminLang()
	run(c, cmd)
	return true
}

// agendaCommand is /agenda <date>: that day's sessions.
func (c *turn) agendaCommand(cmd Command) {
	d, ok := parseAdminDate(cmd.Arg, c.practice.Today(c.now))
	if !ok {
		c.show(c.t("admin.bad_date", map[string]any{"Arg": esc(cmd.Arg)}), nil)
		return
	}
	c.adminDay(d)
}

// parseAdminDate reads "2026-12-03", "3/12", "3/12/2026", "3.12",
// "today" or "tomorrow" (day/month, as in Israel).
func parseAdminDate(s string, today tori.Date) (tori.Date, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "", "today", "היום":
		return today, true
	case "tomorrow", "מחר":
		return today.AddDays(1), true
	}
	if d, err := tori.ParseDate(s); err == nil {
		return d, true
	}
	return parseDayMonth(s, today)
}

// parseDayMonth reads "3/12", "3.12" or "3-12", with a year or without
// ("3/12/2026", "3/12/26"): without one, the date within about half a year
// back and half a year ahead of today.
func parseDayMonth(s string, today tori.Date) (tori.Date, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 {
		return tori.Date{}, false
	}
	day, err1 := strconv.Atoi(parts[0])
	month, err2 := strconv.Atoi(parts[1])
	year := today.Year
	var err3 error
	if len(parts) == 3 {
		year, err3 = strconv.Atoi(parts[2])
		if year < 100 {
			year += 2000
		}
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return tori.Date{}, false
	}

	d, err := tori.ParseDate(fmt.Sprintf("%04d-%02d-%02d", year, month, day))
	if err != nil {
		return tori.Date{}, false
	}
	if len(parts) == 2 && d.Before(today.AddDays(-180)) { // "3/1" in December means next January
		d.Year++
	}
	return d, true
}

// adminButtons is what each of the practice's buttons does. Each is
// authorized again against the sender, as the commands are, and an
// appointment is reached only through a therapist the sender manages
// (onAppt): forged callback data reaches nothing.
var adminButtons = map[string]func(c *turn, a Action){
	vAdminDay:      func(c *turn, a Action) { c.adminDay(a.Day) },
	vAdminOpen:     onAppt((*turn).adminOpen),
	vAdminCancel:   onAppt((*turn).adminCancelAsk),
	vAdminCancelDo: onAppt((*turn).practiceCancel),
	vAdminNoShow:   onAppt(func(c *turn, appt tori.Appointment) { c.adminMark(appt, c.bookings.MarkNoShow, "admin.marked_no_show") }),
	vAdminDone:     onAppt(func(c *turn, appt tori.Appointment) { c.adminMark(appt, c.bookings.Complete, "admin.marked_done") }),
	vAdminNote:     onAppt(func(c *turn, appt tori.Appointment) { c.askNote(appt, false) }),
	vAdminNoteOver: onAppt(func(c *turn, appt tori.Appointment) { c.askNote(appt, true) }),
	vAdminClient:   func(c *turn, a Action) { c.clientHistory(a.Client) },
	vAdminPrepay:   (*turn).prepayButton,
	vCalendarNew:   func(c *turn, a Action) { c.calendarLinks(true, a.Therapist) },

	// Clients without Telegram (offline.go).
	vClientNew:    func(c *turn, _ Action) { c.newClientAsk() },
	vClientInvite: func(c *turn, a Action) { c.inviteLink(a.Client) },
	vClientForget: func(c *turn, a Action) { c.forgetClientAsk(a.Client) },
	vClientForgot: func(c *turn, a Action) { c.forgetClient(a.Client) },

	// Time off (block.go), on a calendar the sender manages.
	vBlockWeek:  onCalendar(func(c *turn, a Action) { c.blockWeek(a.Therapist, a.Day, tori.Date{}) }),
	vBlockUntil: onCalendar(func(c *turn, a Action) { c.blockWeek(a.Therapist, a.Week, a.Day) }),
	vBlockDay:   onCalendar((*turn).blockDay),
	vBlockStart: onCalendar((*turn).blockFrom),
	vBlockEnd:   onCalendar((*turn).blockUntil),
	vBlockAsk:   onCalendar(func(c *turn, a Action) { c.blockAsk(a.Therapist, a.Spec) }),
	vBlockDo:    onCalendar(func(c *turn, a Action) { c.blockDo(a.Therapist, a.Spec, a.Keep) }),
	vUnblock:    onCalendar((*turn).unblock),

	// A week an open-ended series missed, booked for its client (series_gap.go).
	vAdminSeriesGap: func(c *turn, a Action) { c.adminSeriesGap(a.Series, a.Time) },

	// A series ended from one session on (series_practice_cancel.go).
	vAdminCancelRest: onAppt((*turn).adminCancelRestAsk),
	vAdminCancelRestDo: func(c *turn, a Action) {
		onAppt(func(c *turn, appt tori.Appointment) { c.adminCancelRestDo(appt, a.Stamp) })(c, a)
	},

	// Booking for a client (practice_book.go), on a calendar the sender manages.
	vForServices: func(c *turn, a Action) { c.forServices(a.Token) },
	vForService:  func(c *turn, a Action) { c.forService(a.Token, a.Service) },
	vForWeek:     onCalendar(func(c *turn, a Action) { c.forWeek(a.Token, a.Service, a.Therapist, a.Day) }),
	vForDay:      onCalendar(func(c *turn, a Action) { c.forDay(a.Token, a.Service, a.Therapist, a.Day) }),
	vForTime:     onCalendar(func(c *turn, a Action) { c.forTime(a.Token, a.Service, a.Therapist, a.Time) }),
	vForBook:     onCalendar((*turn).forStep),
	vForNext:     onAppt((*turn).bookNext),
	vForClient:   func(c *turn, a Action) { c.bookFor(a.Client) },
}

// onAdminButton runs an admin button; false when it is not one.
func (c *turn) onAdminButton(a Action) bool {
	run, ok := adminButtons[a.Verb]
	if !ok {
		return false
	}
	if !c.isAdmin() {
		c.refuseAdmin(a.Verb)
		return true
	}

	// A button other than the note's means the admin moved on from one.
	if a.Verb != vAdminNote && a.Verb != vAdminNoteOver {
		c.dropNote()
	}
	c.lang = c.adminLang()
	run(c, a)
	return true
}

// onAppt makes a button of an action on an appointment: it runs on the
// appointment only when the sender manages it (adminAppt).
func onAppt(run func(c *turn, appt tori.Appointment)) func(c *turn, a Action) {
	return func(c *turn, a Action) {
		if appt, ok := c.adminAppt(a.Appt); ok {
			run(c, appt)
		}
	}
}

// prepayButton sets a client's prepayment: a practice-wide setting, for
// whoever manages every calendar.
func (c *turn) prepayButton(a Action) {
	if !c.managesAll() {
		c.refuseAdmin("prepay " + strconv.FormatInt(a.Client, 10))
		return
	}
	c.setPrepay(a.Client, a.Mode)
}

// onCalendar makes a button of an action on a therapist's calendar (time
// off): it runs only when the sender manages that calendar.
func onCalendar(run func(c *turn, a Action)) func(c *turn, a Action) {
	return func(c *turn, a Action) {
		if !c.manages(a.Therapist) {
			c.refuseAdmin(a.Verb + " " + a.Therapist)
			return
		}
		run(c, a)
	}
}

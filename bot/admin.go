package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// The practice's side: admin commands and the appointment, time-off and
// client views. Only Telegram ids configured as a therapist (their own
// calendar) or as staff (every calendar) reach them; anyone else gets the
// client menu, and the refusal is logged. Every admin button is authorized
// again against the sender: forged callback data reaches nothing.

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

// dropNote forgets a note the sender started and did not write: any other
// command or button means they moved on.
func (c *turn) dropNote() {
	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Note != "" {
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

// refuse answers an admin command or button from someone who is not an
// admin: the client menu, and a line in the log.
func (c *turn) refuse(what string) {
	c.log.Warn("admin action refused", "user", c.in.User.ID, "what", what)
	c.start()
}

// adminAppt loads an appointment the sender manages; anything else is
// refused as if it did not exist.
func (c *turn) adminAppt(id string) (tori.Appointment, bool) {
	a, err := c.bookings.Store.Appointment(c.ctx, id)
	if err != nil || !c.manages(a.TherapistID) {
		if err != nil && tori.ErrorCode(err) != tori.ENOTFOUND {
			c.fail("load appointment", err)
			return tori.Appointment{}, false
		}
		c.refuse("appointment " + id)
		return tori.Appointment{}, false
	}
	return a, true
}

// onAdminCommand runs an admin command; false when it is not one.
func (c *turn) onAdminCommand(cmd Command) bool {
	switch cmd.Name {
	case "today", "week", "agenda", "block", "unblock", "client", "calendar":
	default:
		return false
	}
	if !c.isAdmin() {
		c.refuse("/" + cmd.Name)
		return true
	}
	c.dropNote()
	c.lang = c.adminLang()
	today := c.practice.Today(c.now)
	switch cmd.Name {
	case "today":
		c.adminDay(today)
	case "week":
		c.adminWeek(today)
	case "agenda":
		d, ok := parseAdminDate(cmd.Arg, today)
		if !ok {
			c.show(c.t("admin.bad_date", map[string]any{"Arg": esc(cmd.Arg)}), nil)
			return true
		}
		c.adminDay(d)
	case "block":
		c.blockStart()
	case "unblock":
		c.unblockList()
	case "client":
		c.clientLookup(cmd.Arg)
	case "calendar":
		c.calendarLinks(false, "")
	}
	return true
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

// sessionLine writes one appointment for the practice: time, client,
// service, payment, whether they confirmed, and a note marker.
func (b *Bot) sessionLine(lang string, a tori.Appointment) string {
	s, _ := b.practice.Service(a.ServiceID)
	pay := b.payLine(lang, a)
	state := b.cat.T(lang, "agenda.not_confirmed", nil)
	switch {
	case a.Status == tori.StatusCompleted:
		state = b.cat.T(lang, "agenda.completed", nil)
	case a.Status == tori.StatusNoShow:
		state = b.cat.T(lang, "agenda.no_show", nil)
	case a.Attending:
		state = b.cat.T(lang, "agenda.confirmed", nil)
	}
	line := fmt.Sprintf("<b>%s</b> %s\n%s · %s\n%s · %s",
		b.timeRange(lang, a.Start, a.End), clientRef(lang, a.Client),
		iso(lang, s.Name(lang, b.practice.Language)), pay, state, b.whereShort(lang, a))
	switch {
	case a.NoteLocked:
		line += "\n📝 <i>" + b.cat.T(lang, "admin.note_locked", nil) + "</i>"
	case a.Note != "":
		line += "\n📝 " + iso(lang, a.Note)
	}
	return line
}

// payLine says what of a session is paid: all, a deposit (and the rest to
// pay), or nothing yet.
func (b *Bot) payLine(lang string, a tori.Appointment) string {
	paid := map[string]any{"Paid": b.price(lang, a.Paid)}
	switch {
	case a.PayState.Mismatched():
		paid["Due"] = b.price(lang, a.Due) // not a payment of it: given back
		return b.cat.T(lang, "agenda.mismatch", paid)
	case a.Paid.Amount == 0:
		return b.cat.T(lang, "agenda.to_pay", map[string]any{"Price": b.price(lang, a.Price)})
	}
	if rest, ok := a.Price.Sub(a.Paid); ok && rest.Amount > 0 {
		paid["Rest"] = b.price(lang, rest)
		return b.cat.T(lang, "agenda.deposit", paid)
	}
	return b.cat.T(lang, "agenda.paid", paid)
}

// adminDay lists one day's sessions of the sender's therapists, each
// tappable, with the days before and after.
func (c *turn) adminDay(day tori.Date) {
	as, err := c.bookings.Day(c.ctx, c.managedIDs(), day)
	if err != nil {
		c.fail("day", err)
		return
	}
	var lines []string
	var kb [][]Button
	for _, a := range as {
		lines = append(lines, c.sessionLine(c.lang, a))
		kb = append(kb, []Button{{Text: c.local(a.Start).Format("15:04") + " · " + a.Client.Name, Data: cb(vAdminOpen, a.ID)}})
	}
	// A very full day: the text shows what fits one message; every session
	// still has its button.
	if parts := chunk(lines, 3500); len(parts) > 1 {
		lines = append(parts[0], c.cat.N(c.lang, "admin.more", len(lines)-len(parts[0]), nil))
	}
	text := c.cat.N(c.lang, "admin.day", len(as), map[string]any{
		"Date": c.longDate(c.lang, day.At(12*60, c.practice.Location)), "Sessions": strings.Join(lines, "\n\n"),
	})
	kb = append(kb, []Button{
		{Text: c.t("button.prev_day", nil), Data: cb(vAdminDay, dayArg(day.AddDays(-1)))},
		{Text: c.t("button.next_day", nil), Data: cb(vAdminDay, dayArg(day.AddDays(1)))},
	})
	c.show(text, kb)
}

// adminWeek shows the next seven days: how many sessions each, tappable.
func (c *turn) adminWeek(from tori.Date) {
	var lines []string
	var kb [][]Button
	for i := range 7 {
		d := from.AddDays(i)
		as, err := c.bookings.Day(c.ctx, c.managedIDs(), d)
		if err != nil {
			c.fail("week", err)
			return
		}
		label := c.shortDay(c.lang, d)
		lines = append(lines, c.cat.N(c.lang, "admin.week_day", len(as), map[string]any{"Day": label}))
		if len(as) > 0 {
			kb = append(kb, []Button{{Text: label + " · " + strconv.Itoa(len(as)), Data: cb(vAdminDay, dayArg(d))}})
		}
	}
	c.show(c.t("admin.week", map[string]any{"Days": strings.Join(lines, "\n")}), kb)
}

// adminOpen shows one appointment with what the practice can do with it.
func (c *turn) adminOpen(a tori.Appointment) {
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{
		"Session": c.sessionLine(c.lang, a),
		"When":    c.whenRange(c.lang, a.Start, a.End),
		"Service": iso(c.lang, s.Name(c.lang, c.practice.Language)),
		"Status":  c.t("status."+string(a.Status), nil),
		"Lang":    c.t("lang."+a.Client.Lang, nil),
	}
	if a.RefundState != tori.RefundNone {
		data["Refund"] = c.refundLine(c.lang, a)
	}
	var kb [][]Button
	switch {
	case a.Status == tori.StatusConfirmed && c.now.Before(a.Start):
		kb = append(kb, []Button{{Text: c.t("button.admin_cancel", nil), Data: cb(vAdminCancel, a.ID)}})
	case a.Status == tori.StatusConfirmed:
		kb = append(kb, []Button{
			{Text: c.t("button.admin_done", nil), Data: cb(vAdminDone, a.ID)},
			{Text: c.t("button.admin_no_show", nil), Data: cb(vAdminNoShow, a.ID)},
		})
	}
	kb = append(kb, []Button{
		{Text: c.t("button.admin_note", nil), Data: cb(vAdminNote, a.ID)},
		{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(a.Client.ID, 10))},
	}, []Button{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(a.Start))))}})
	c.show(c.t("admin.appointment", data), kb)
}

// onAdminButton runs an admin button; false when it is not one.
func (c *turn) onAdminButton(a Action) bool {
	switch a.Verb {
	case vAdminDay, vAdminOpen, vAdminCancel, vAdminCancelDo, vAdminNoShow, vAdminDone, vAdminNote, vAdminNoteOver, vAdminClient, vAdminPrepay,
		vBlockWeek, vBlockDay, vBlockStart, vBlockEnd, vBlockUntil, vBlockAsk, vBlockDo, vUnblock, vCalendarNew:
	default:
		return false
	}
	if !c.isAdmin() {
		c.refuse(a.Verb)
		return true
	}
	if a.Verb != vAdminNote && a.Verb != vAdminNoteOver {
		c.dropNote()
	}
	c.lang = c.adminLang()
	switch a.Verb {
	case vAdminDay:
		c.adminDay(a.Day)
	case vAdminOpen:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.adminOpen(appt)
		}
	case vAdminCancel:
		if appt, ok := c.adminAppt(a.Appt); ok {
			data := map[string]any{"Session": c.sessionLine(c.lang, appt)}
			if appt.Paid.Amount > 0 {
				data["Paid"] = c.price(c.lang, appt.Paid)
			}
			c.show(c.t("admin.cancel_ask", data), [][]Button{
				{{Text: c.t("button.admin_cancel_yes", nil), Data: cb(vAdminCancelDo, appt.ID)}},
				{{Text: c.t("button.cancel_no", nil), Data: cb(vAdminOpen, appt.ID)}},
			})
		}
	case vAdminCancelDo:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.practiceCancel(appt)
		}
	case vAdminNoShow:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.adminMark(appt, c.bookings.MarkNoShow, "admin.marked_no_show")
		}
	case vAdminDone:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.adminMark(appt, c.bookings.Complete, "admin.marked_done")
		}
	case vAdminNote:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.askNote(appt, false)
		}
	case vAdminNoteOver:
		if appt, ok := c.adminAppt(a.Appt); ok {
			c.askNote(appt, true)
		}
	case vAdminClient:
		c.clientHistory(a.Client)
	case vAdminPrepay:
		if !c.managesAll() {
			c.refuse("prepay " + strconv.FormatInt(a.Client, 10))
			return true
		}
		c.setPrepay(a.Client, a.Mode)
	case vBlockWeek, vBlockDay, vBlockStart, vBlockEnd, vBlockUntil, vBlockAsk, vBlockDo, vUnblock:
		if !c.manages(a.Therapist) {
			c.refuse(a.Verb + " " + a.Therapist)
			return true
		}
		c.onBlockButton(a)
	case vCalendarNew:
		c.calendarLinks(true, a.Therapist)
	}
	return true
}

// adminMark marks an appointment no-show or completed.
func (c *turn) adminMark(a tori.Appointment, mark func(context.Context, string) (tori.Appointment, error), done string) {
	got, err := mark(c.ctx, a.ID)
	switch tori.ErrorCode(err) {
	case "":
		c.res.Notice = c.t(done, nil)
		c.adminOpen(got)
	case tori.ECONFLICT:
		c.notNow(a.ID)
	default:
		c.fail("mark", err)
	}
}

// notNow says why an action on an appointment was refused, from its state
// as it is now (it may have changed since the view was shown).
func (c *turn) notNow(id string) {
	a, err := c.bookings.Store.Appointment(c.ctx, id)
	if err != nil {
		c.fail("load appointment", err)
		return
	}
	text := c.t("admin.not_now", map[string]any{"Status": c.t("status."+string(a.Status), nil)})
	if a.Status == tori.StatusConfirmed && !c.now.Before(a.Start) {
		text = c.t("admin.started", nil)
	}
	c.show(text, [][]Button{{{Text: c.t("button.admin_back_session", nil), Data: cb(vAdminOpen, a.ID)}}})
}

// practiceCancel cancels as the practice: a full refund, an apology to the
// client in their language with the nearest times to rebook, and a word
// back to the practice.
func (c *turn) practiceCancel(a tori.Appointment) {
	got, fresh, err := c.bookings.CancelByPractice(c.ctx, a.ID)
	switch tori.ErrorCode(err) {
	case "":
	case tori.ECONFLICT:
		c.notNow(a.ID)
		return
	default:
		c.fail("cancel as practice", err)
		return
	}
	if fresh {
		c.res.Replies = append(c.res.Replies, c.PracticeCancelled(c.ctx, got)...)
	}
	c.show(c.t("admin.cancelled", map[string]any{"Session": c.sessionLine(c.lang, got), "Refund": c.refundLine(c.lang, got)}),
		[][]Button{{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(got.Start))))}}})
}

// onAdminText handles an admin's text that is not a command: a note being
// written, or a reply to a relayed client message. false when neither.
func (c *turn) onAdminText() bool {
	c.lang = c.adminLang()
	if c.relayReply() {
		return true
	}
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if st.Note != "" {
		a, ok := c.adminAppt(st.Note)
		if !ok {
			return true
		}
		c.lang = c.adminLang()
		set := c.bookings.SetNote
		if st.Replace {
			set = c.bookings.ReplaceLockedNote
		}
		got, err := set(c.ctx, a.ID, strings.TrimSpace(c.in.Text))
		switch tori.ErrorCode(err) {
		case "":
		case tori.EINVALID:
			c.show(c.t("admin.note_too_long", nil), nil)
			return true
		case tori.ECONFLICT: // a note it cannot read came meanwhile: kept
			c.saveState(c.ctx, c.in.User.ChatID, state{})
			if now, ok := c.adminAppt(a.ID); ok {
				c.lockedNote(now, "admin.note_locked_kept")
			}
			return true
		default:
			c.fail("note", err)
			return true
		}
		c.saveState(c.ctx, c.in.User.ChatID, state{})
		c.res.Notice = c.t("admin.note_saved", nil)
		c.adminOpen(got)
		return true
	}
	return false
}

// askNote asks for the note of a session. A note there that this server
// cannot read is not replaced unasked: the admin is first told it can be
// read again with its key, and asked whether it may go (replace).
func (c *turn) askNote(a tori.Appointment, replace bool) {
	if a.NoteLocked && !replace {
		c.lockedNote(a, "admin.note_locked_ask")
		return
	}
	// Only the locked note shown may go: one that is readable again (its
	// key back) is asked for as usual.
	c.saveState(c.ctx, c.in.User.ChatID, state{Note: a.ID, Replace: replace && a.NoteLocked})
	ask := "admin.note_ask"
	if a.NoteLocked {
		ask = "admin.note_replace_ask"
	}
	c.show(c.t(ask, map[string]any{"Session": c.sessionLine(c.lang, a)}), nil)
}

// lockedNote says (text) that a session's note cannot be read here but is
// kept, with a button to replace it for good and one back to the session.
func (c *turn) lockedNote(a tori.Appointment, text string) {
	c.show(c.t(text, map[string]any{"Session": c.sessionLine(c.lang, a)}), [][]Button{
		{{Text: c.t("button.admin_note_replace", nil), Data: cb(vAdminNoteOver, a.ID)}},
		{{Text: c.t("button.admin_back_session", nil), Data: cb(vAdminOpen, a.ID)}},
	})
}

// clientLookup finds a client by @username or Telegram id.
func (c *turn) clientLookup(arg string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		c.show(c.t("admin.client_usage", nil), nil)
		return
	}
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		c.clientHistory(id)
		return
	}
	id, err := c.bookings.Store.ClientByUsername(c.ctx, arg)
	switch tori.ErrorCode(err) {
	case "":
		c.clientHistory(id)
	case tori.ENOTFOUND:
		c.show(c.t("admin.client_unknown", map[string]any{"Who": esc(arg)}), nil)
	default:
		c.fail("client lookup", err)
	}
}

// clientHistory shows what the practice knows of a client: bookings with
// the sender's therapists (the most recent and upcoming ones listed), late
// cancellations and no-shows on record at the practice, payments, and, for
// whoever manages every calendar, the prepayment switch. A therapist of a
// shared practice sees only clients who booked with them.
func (c *turn) clientHistory(id int64) {
	all, err := c.bookings.Store.ClientAppointments(c.ctx, id, time.Time{})
	if err != nil {
		c.fail("client history", err)
		return
	}
	var mine []tori.Appointment
	for _, a := range all {
		if c.manages(a.TherapistID) && a.Booked() {
			mine = append(mine, a)
		}
	}
	slices.SortStableFunc(mine, func(a, b tori.Appointment) int { return a.Start.Compare(b.Start) })
	if len(mine) == 0 && !c.managesAll() {
		c.show(c.t("admin.client_unknown", map[string]any{"Who": esc("#" + strconv.FormatInt(id, 10))}), nil)
		return
	}
	strikes, err := c.bookings.Store.Strikes(c.ctx, id, time.Time{})
	if err != nil {
		c.fail("client history", err)
		return
	}
	prepay, err := c.bookings.Store.Prepay(c.ctx, id)
	if err != nil {
		c.fail("client history", err)
		return
	}
	name := "#" + strconv.FormatInt(id, 10)
	counts := map[tori.Status]int{}
	paid, refunded := map[string]int64{}, map[string]int64{}
	var lines []string
	for i, a := range mine {
		name = clientRef(c.lang, a.Client)
		counts[a.Status]++
		paid[a.Paid.Currency] += a.Paid.Amount // in the currency taken, not the price's
		refunded[a.Refunded.Currency] += a.Refunded.Amount
		if i >= len(mine)-15 {
			lines = append(lines, c.shortWhen(c.lang, a.Start)+" · "+c.t("status."+string(a.Status), nil))
		}
	}
	mode := prepay
	if mode == "" {
		mode = "policy"
	}
	data := map[string]any{
		"Client":     name,
		"Upcoming":   counts[tori.StatusConfirmed],
		"Completed":  counts[tori.StatusCompleted],
		"Cancelled":  counts[tori.StatusCancelledByClient],
		"ByPractice": counts[tori.StatusCancelledByPractice],
		"NoShows":    counts[tori.StatusNoShow],
		"Strikes":    strikes,
		"Paid":       c.sums(paid),
		"Refunded":   c.sums(refunded),
		"Prepay":     c.t("prepay_mode."+mode, nil),
		"Lines":      strings.Join(lines, "\n"),
		"Earlier":    max(len(mine)-15, 0),
	}
	var kb [][]Button
	if c.managesAll() {
		cid := strconv.FormatInt(id, 10)
		var row []Button
		for _, m := range []string{tori.PrepayRequired, tori.PrepayExempt, "policy"} {
			if m != mode {
				row = append(row, Button{Text: c.t("button.prepay_"+m, nil), Data: cb(vAdminPrepay, cid, m)})
			}
		}
		kb = append(kb, row)
	}
	c.show(c.t("admin.client", data), kb)
}

// sums writes amounts by currency ("₪1,200 + $90"), or a zero in the
// practice's first currency.
func (c *turn) sums(by map[string]int64) string {
	var parts []string
	for cur, n := range by {
		if n != 0 {
			parts = append(parts, c.price(c.lang, tori.Money{Amount: n, Currency: cur}))
		}
	}
	if len(parts) == 0 {
		cur := ""
		if len(c.practice.Services) > 0 {
			cur = c.practice.Services[0].Price.Currency
		}
		return c.price(c.lang, tori.Money{Currency: cur})
	}
	slices.Sort(parts)
	return strings.Join(parts, " + ")
}

func (c *turn) setPrepay(id int64, mode string) {
	if mode == "policy" {
		mode = ""
	}
	if err := c.bookings.Store.SetPrepay(c.ctx, id, mode); err != nil {
		c.fail("set prepay", err)
		return
	}
	c.res.Notice = c.t("admin.prepay_set", nil)
	c.clientHistory(id)
}

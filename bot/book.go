package bot

import (
	"time"

	"github.com/tori-bot/tori"
)

// services starts the booking flow: service -> therapist -> week -> day ->
// time (held) -> summary -> confirm. With one service, it goes straight to
// that service's therapists.
func (c *turn) services() {
	if len(c.practice.Services) == 1 {
		c.chooseService(c.practice.Services[0].ID)
		return
	}
	var kb [][]Button
	for _, s := range c.practice.Services {
		label := s.Name(c.lang, c.practice.Language) + " · " + c.minutes(c.lang, s.Duration) + " · " + s.Price.Format(c.lang)
		kb = append(kb, []Button{{Text: label, Data: cb(vService, s.ID)}})
	}
	kb = append(kb, []Button{{Text: c.t("button.menu", nil), Data: cb(vMenu)}})
	c.show(c.t("services.choose", nil), kb)
}

// lookup finds a service (and therapist) from untrusted ids.
func (c *turn) lookup(svcID, thrID string) (calendar, bool) {
	s, ok := c.practice.Service(svcID)
	if !ok {
		c.say("gone.service")
		return calendar{}, false
	}

	k := calendar{svc: s, thr: thrID}
	who := c.t("with.anyone", nil)
	if thrID != "" {
		if _, offered := c.practice.Offers(s, thrID); !offered {
			c.say("gone.service")
			return calendar{}, false
		}
		who = c.t("with.therapist", map[string]any{"Therapist": c.therapistName(thrID)})
	}
	k.title = c.serviceLine(s) + "\n" + who
	return k, true
}

func (c *turn) chooseService(svcID string) {
	s, ok := c.practice.Service(svcID)
	if !ok {
		c.say("gone.service")
		return
	}
	ts := c.practice.TherapistsFor(s)
	if len(ts) == 1 {
		c.week(s.ID, ts[0].ID, tori.Date{})
		return
	}

	kb := [][]Button{{{Text: c.t("button.first_available", nil), Data: cb(vTherapist, s.ID, "*")}}}
	for _, t := range ts {
		kb = append(kb, []Button{{Text: t.Name, Data: cb(vTherapist, s.ID, t.ID)}})
	}
	kb = append(kb, []Button{{Text: c.t("button.back", nil), Data: cb(vBook)}})
	c.show(c.serviceLine(s)+"\n\n"+c.t("therapist.choose", nil), kb)
}

func (c *turn) week(svcID, thrID string, day tori.Date) {
	if k, ok := c.lookup(svcID, thrID); ok {
		c.showWeek(k, day)
	}
}

func (c *turn) day(svcID, thrID string, day tori.Date) {
	if k, ok := c.lookup(svcID, thrID); ok {
		c.showDay(k, day)
	}
}

// hold takes the chosen time for the client and shows the summary. A hold
// the client had in this chat is let go first: one flow, one hold.
func (c *turn) hold(svcID, thrID string, at time.Time) {
	k, ok := c.lookup(svcID, thrID)
	if !ok {
		return
	}
	c.releaseCurrent()
	h, err := c.bookings.Hold(c.ctx, c.client(), svcID, thrID, at, c.in.MessageID)
	if !c.holdFailed(k, at, err) {
		c.saveState(c.ctx, c.in.User.ChatID, state{Hold: h.ID, Any: thrID == ""})
		c.summary(h, tori.Appointment{})
	}
}

// releaseCurrent lets go of the hold this chat's flow holds, if any.
func (c *turn) releaseCurrent() {
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if st.Hold == "" {
		return
	}
	if err := c.bookings.Release(c.ctx, c.client(), st.Hold); err != nil {
		c.log.Error("release previous hold", "user", c.in.User.ID, "hold", st.Hold, "err", err)
	}
}

// holdFailed shows why a time could not be held, if it could not.
func (c *turn) holdFailed(k calendar, at time.Time, err error) bool {
	if err == nil {
		return false
	}
	c.refuse("hold", err, refusals{
		tori.ECONFLICT: func() { c.showTaken(k, at, err) },
		tori.ELIMIT:    func() { c.holdLimited(err) },
		tori.ENOTFOUND: c.saying("gone.service"),
		tori.EINVALID: func() {
			c.show(c.t("reschedule.same_time", nil), [][]Button{{{Text: c.t("button.other_days", nil), Data: k.weekData(tori.DateOf(c.local(at)))}}})
		},
	})
	return true
}

// holdLimited says why the client may hold no more times now (ELIMIT):
// their data is being erased, or they hold as many as they may at once.
func (c *turn) holdLimited(err error) {
	if c.erasingRefused(err) {
		return
	}
	p := c.practice.Policy
	c.show(c.cat.N(c.lang, "hold.limit", p.MaxHoldsPerClient, map[string]any{"HoldFor": c.minutes(c.lang, p.HoldFor)}), c.menuKeyboard())
}

// summary shows a held time for the client to check and confirm. from is
// the booking being moved, if any.
func (c *turn) summary(h tori.Appointment, from tori.Appointment) {
	data := c.holdData(h)
	data["Where"] = c.where(h, false)
	data["Policy"] = c.policyText(h.Payment)

	confirm, keep := "button.confirm", "button.cancel"
	if h.Payment != tori.PayNone {
		confirm = "button.confirm_pay"
		data["Due"] = c.price(c.lang, h.Due)
	}
	if h.Prepay == "repeat" {
		data["Prepay"] = c.repeatLine()
	}

	// Moving a booking: the summary of the move.
	id := "summary.book"
	if from.ID != "" {
		id, confirm, keep = "summary.move", "button.confirm_move", "button.keep_time"
		data["From"] = c.whenRange(c.lang, from.Start, from.End)
	}
	text := c.t(id, data)
	kb := [][]Button{{{Text: c.t(confirm, data), Data: cb(vConfirm, h.ID)}}}

	// A new booking may become a series (series.go).
	if from.ID == "" && h.Offer == "" && h.Series == "" {
		if row := c.seriesButtons(h); len(row) > 0 {
			kb = append(kb, row)
		}
	}
	c.show(text, append(kb, []Button{{Text: c.t("button.change_time", nil), Data: cb(vChange, h.ID)}, {Text: c.t(keep, nil), Data: cb(vAbandon, h.ID)}}))
}

// confirm books a hold (or moves a booking to it) and tells the therapist.
// A paid hold goes to payment first (startPayment).
func (c *turn) confirm(holdID string) {
	h, ok := c.confirmable(holdID)
	if !ok {
		return
	}
	if h.Payment != tori.PayNone && h.Moves == "" {
		c.startPayment(h)
		return
	}

	// A move: the booking it moves must still be the client's.
	var from tori.Appointment
	if h.Moves != "" {
		var err error
		if from, err = c.bookings.Own(c.ctx, c.client(), h.Moves); err != nil {
			c.letGo(h)
			c.say("booking.gone")
			return
		}
	}

	a, err := c.bookings.Confirm(c.ctx, c.client(), holdID)
	if err != nil {
		c.refuse("confirm", err, c.confirmRefusals(h, from, err))
		return
	}

	c.saveState(c.ctx, c.in.User.ChatID, state{})
	if from.ID != "" {
		c.notify(a, "notify.moved", map[string]any{"From": from})
		c.showMoved(a, from)
		c.icsDocument(a, false) // the same UID, a higher SEQUENCE: the calendar entry moves
		return
	}
	c.notify(a, "notify.booked", nil)
	c.showBooked(a)
	c.icsDocument(a, false)
}

// confirmable loads the client's hold to confirm; false when there is
// nothing to confirm (said so), or it is booked already (shown again: a
// second press tells nobody twice).
func (c *turn) confirmable(holdID string) (tori.Appointment, bool) {
	h, err := c.bookings.Own(c.ctx, c.client(), holdID)
	if err != nil {
		c.refuse("load hold", err, refusals{tori.ENOTFOUND: c.saying("hold.gone")})
		return tori.Appointment{}, false
	}
	switch h.Status {
	case tori.StatusHeld:
		return h, true
	case tori.StatusConfirmed:
		c.showBooked(h)
	default:
		c.say("hold.gone")
	}
	return tori.Appointment{}, false
}

// confirmRefusals says why hold h (moving booking from, if any) could not
// be confirmed.
func (c *turn) confirmRefusals(h, from tori.Appointment, err error) refusals {
	cannotMove := func() {
		c.letGo(h)
		c.cannotMove(from, err)
	}
	return refusals{
		tori.ECONFLICT: func() { c.takenMeanwhile(h, from) },
		tori.EGONE:     cannotMove,
		tori.ETOOLATE:  cannotMove,
		tori.ELIMIT:    func() { c.holdLimited(err) },
		tori.ENOTFOUND: c.saying("hold.gone"),
		tori.EEXPIRED:  c.saying("hold.gone"),
	}
}

// takenMeanwhile tells that hold h ran out and someone took its time, with
// the nearest free times of the calendar it was chosen in.
func (c *turn) takenMeanwhile(h, from tori.Appointment) {
	if k, ok := c.calendarOf(h, from); ok {
		c.showTaken(k, h.Start, nil)
	}
}

// letGo releases a hold that can no longer be used, and forgets it.
func (c *turn) letGo(h tori.Appointment) {
	if err := c.bookings.Release(c.ctx, c.client(), h.ID); err != nil {
		c.log.Error("release", "user", c.in.User.ID, "hold", h.ID, "err", err)
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{})
}

// calendarOf rebuilds the calendar a hold was chosen in.
func (c *turn) calendarOf(h, from tori.Appointment) (calendar, bool) {
	if from.ID != "" {
		return c.rescheduleCalendar(from)
	}
	thrID := h.TherapistID
	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Hold == h.ID && st.Any {
		thrID = ""
	}
	return c.lookup(h.ServiceID, thrID)
}

// showBooked is the confirmation: what was booked, where, what happens
// next and until when the client can cancel or move it on what terms.
func (c *turn) showBooked(a tori.Appointment) {
	s, _ := c.practice.Service(a.ServiceID)
	c.show(c.t("booked", c.bookedData(a, s)), [][]Button{
		{{Text: c.t("button.mine", nil), Data: cb(vMine)}, {Text: c.t("button.book_another", nil), Data: cb(vBook)}},
	})
}

func (c *turn) bookedData(a tori.Appointment, s tori.Service) map[string]any {
	p := c.practice.Policy
	data := map[string]any{
		"Service":   c.serviceLine(s),
		"Therapist": c.therapistName(a.TherapistID),
		"When":      c.whenRange(c.lang, a.Start, a.End),
		"Where":     c.where(a, true),
		"Price":     c.priceLine(a),
		"Policy":    c.policyText(a.Payment),
		"MoveUntil": c.when(c.lang, a.Start.Add(-p.RescheduleMinNotice)),
		"CanMove":   p.CanReschedule(a.Start, c.now),
	}
	if len(p.Tiers) > 0 && p.Tiers[0].Percent == 100 && !c.now.After(a.Start.Add(-p.Tiers[0].MinNotice)) {
		data["FreeUntil"] = c.when(c.lang, a.Start.Add(-p.Tiers[0].MinNotice))
	}
	return data
}

func (c *turn) showMoved(a, from tori.Appointment) {
	s, _ := c.practice.Service(a.ServiceID)
	data := c.bookedData(a, s)
	data["From"] = c.whenRange(c.lang, from.Start, from.End)
	c.show(c.t("moved", data), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
}

// changeTime lets go of the hold and goes back to its week.
func (c *turn) changeTime(holdID string) {
	h, err := c.bookings.Own(c.ctx, c.client(), holdID)
	if c.outage(err) {
		c.fail("load hold", err)
		return
	}
	if err != nil || h.Status != tori.StatusHeld {
		c.say("hold.gone")
		return
	}

	// The calendar it was chosen in, read before the hold is let go.
	var from tori.Appointment
	if h.Moves != "" {
		from, _ = c.bookings.Own(c.ctx, c.client(), h.Moves)
	}
	k, ok := c.calendarOf(h, from)

	if err := c.bookings.Release(c.ctx, c.client(), holdID); err != nil {
		c.fail("release", err)
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	if ok {
		c.showWeek(k, tori.DateOf(c.local(h.Start)))
	}
}

// abandon lets go of the hold and stops.
func (c *turn) abandon(holdID string) {
	h, err := c.bookings.Own(c.ctx, c.client(), holdID)
	if c.outage(err) {
		c.fail("load hold", err)
		return
	}
	if err != nil {
		c.say("hold.gone")
		return
	}

	// Let go of it, unless its payment is being completed (EUNAVAILABLE).
	if h.Status == tori.StatusHeld || h.Status == tori.StatusExpired {
		if err := c.bookings.Release(c.ctx, c.client(), holdID); err != nil {
			c.refuse("release", err, refusals{tori.EUNAVAILABLE: func() {
				c.show(c.t("pay.in_progress", nil), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
			}})
			return
		}
	}

	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Hold == holdID {
		c.saveState(c.ctx, c.in.User.ChatID, state{})
	}

	// A move let go: the booking stays where it was.
	if h.Moves != "" {
		if from, err := c.bookings.Own(c.ctx, c.client(), h.Moves); err == nil && from.Status == tori.StatusConfirmed {
			c.show(c.t("move.kept", map[string]any{"When": c.whenRange(c.lang, from.Start, from.End)}), c.menuKeyboard())
			return
		}
	}
	c.show(c.t("stop.released", nil), c.menuKeyboard())
}

// holdData is what every message about a held time says of it: the
// session, with whom, when, its price, and until when it is held.
func (c *turn) holdData(h tori.Appointment) map[string]any {
	s, _ := c.practice.Service(h.ServiceID)
	return map[string]any{
		"Service":   c.serviceLine(s),
		"Therapist": c.therapistName(h.TherapistID),
		"When":      c.whenRange(c.lang, h.Start, h.End),
		"Price":     c.priceLine(h),
		"Until":     c.until(c.lang, h.HoldUntil, c.now),
	}
}

package bot

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// forReadsState is the flow's buttons, which read the chat state (the
// client): read beside the update's claim (WantsState), not after it.
var forReadsState = map[string]bool{vForServices: true, vForService: true, vForWeek: true, vForDay: true, vForTime: true, vForBook: true}

// bookCommand is /book for the practice: for the client named after it,
// or asks who. The practice books for a client from /book, "Book" on
// their card and "Book the next one" on a session's card: the client is
// kept in the sender's chat state under a token every button of the flow
// carries (a button of an earlier /book in that chat books for nobody),
// and every button is authorized again (the therapist must be one the
// sender manages). Then: service, therapist, the practice's week and day
// (every free time, those outside the client-facing rules marked), once
// or a series, "book anyway?", and for a service paid online a pay button
// or payment at the session.
func (c *turn) bookCommand(cmd Command) {
	who := strings.TrimSpace(cmd.Arg)
	if who == "" {
		c.saveState(c.ctx, c.in.User.ChatID, state{ForWho: true})
		c.show(c.t("for.who", nil), nil)
		return
	}
	c.bookForWho(who)
}

// bookForWho finds the client typed (@username, Telegram id, or a client
// without Telegram's name or phone) and books for them.
func (c *turn) bookForWho(who string) {
	who = strings.TrimSpace(who)
	if id, err := strconv.ParseInt(who, 10, 64); err == nil && id > 0 && who[0] >= '1' && who[0] <= '9' {
		c.bookFor(id)
		return
	}
	id, err := c.bookings.Store.ClientByUsername(c.ctx, who)
	if tori.ErrorCode(err) == tori.ENOTFOUND && !strings.HasPrefix(who, "@") && c.bookOfflineNamed(who) {
		return
	}
	if err != nil {
		c.refuse("client lookup", err, refusals{
			tori.ENOTFOUND: func() { c.show(c.t("for.unknown", map[string]any{"Who": esc(who)}), nil) },
		})
		return
	}
	c.bookForNamed(id, strings.TrimPrefix(who, "@"))
}

// bookFor starts booking for client id: a new token in the sender's chat
// state, then the services the sender's therapists give.
func (c *turn) bookFor(clientID int64) { c.bookForNamed(clientID, "") }

// bookForNamed is bookFor of a client found by their @username.
func (c *turn) bookForNamed(clientID int64, username string) {
	cl, ok := c.clientToBook(clientID, username)
	if !ok {
		return
	}
	c.forStart(cl)
}

// forStart keeps client cl in the chat state, and lists the services.
func (c *turn) forStart(cl tori.Client) { c.forServices(c.forKeep(cl)) }

// forKeep keeps client cl in the chat state under a new token, which it
// returns: the buttons of the flow carry it.
func (c *turn) forKeep(cl tori.Client) string {
	tok := tori.RandomToken(10)
	c.saveState(c.ctx, c.in.User.ChatID, state{ForToken: tok, ForClient: cl.ID, ForUsername: cl.Username, ForName: cl.Name,
		ForLang: cmp.Or(cl.Lang, c.practice.Language), ForChat: cl.ChatID})
	return tok
}

// clientToBook is client id as the practice knows them: from their latest
// appointment (name, @username, language), else the @username they were
// found by and the language they chose; false on a failure (said so).
func (c *turn) clientToBook(id int64, username string) (tori.Client, bool) {
	rec := tori.OfflineClient{}
	if tori.IsOfflineClient(id) { // a client without Telegram: their record, or who they became
		var ok bool
		if rec, ok = c.offlineRecord(id); !ok {
			return tori.Client{}, false
		}
		if rec.Became != 0 {
			return c.clientToBook(rec.Became, "")
		}
	}
	all, err := c.bookings.Store.ClientAppointments(c.ctx, id, time.Time{})
	if err != nil {
		c.fail("client for booking", err)
		return tori.Client{}, false
	}
	if len(all) > 0 {
		return all[len(all)-1].Client, true // the latest, as the store lists them in time order
	}
	if rec.ID != 0 {
		return tori.Client{ID: id, Name: rec.Name, Lang: c.practice.Language}, true // ChatID 0: never messaged
	}
	cl := tori.Client{ID: id, ChatID: id, Username: username, Lang: c.practice.Language}
	if lang, err := c.store.Language(c.ctx, id); err == nil && lang != "" {
		cl.Lang = lang
	}
	return cl, true
}

// forClient is the client the flow of token tok books for, as kept in the
// chat state by bookFor; false when tok is not this chat's latest /book
// (said so).
func (c *turn) forClient(tok string) (tori.Client, bool) {
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if st.ForToken == "" || st.ForToken != tok || st.ForClient == 0 {
		c.show(c.t("for.stale", nil), nil)
		return tori.Client{}, false
	}
	return st.forClient(), true
}

// forServices lists the services the sender's therapists give.
func (c *turn) forServices(tok string) {
	cl, ok := c.forClient(tok)
	if !ok {
		return
	}
	var kb [][]Button
	for _, s := range c.practice.Services {
		if len(c.forTherapists(s)) > 0 {
			kb = append(kb, []Button{{Text: s.Name(c.lang, c.practice.Language) + " · " + c.minutes(c.lang, s.Duration), Data: cb(vForService, tok, s.ID)}})
		}
	}
	c.show(c.t("for.service", map[string]any{"Client": clientRef(c.lang, cl)}), kb)
}

// forTherapists is who of the sender's therapists gives service s.
func (c *turn) forTherapists(s tori.Service) []tori.Therapist {
	var out []tori.Therapist
	for _, t := range c.practice.TherapistsFor(s) {
		if c.manages(t.ID) {
			out = append(out, t)
		}
	}
	return out
}

// forService asks which therapist (one: straight to their week).
func (c *turn) forService(tok, svcID string) {
	s, ok := c.practice.Service(svcID)
	ts := c.forTherapists(s)
	if !ok || len(ts) == 0 {
		c.refuseAdmin("book " + svcID)
		return
	}
	if len(ts) == 1 {
		c.forWeek(tok, s.ID, ts[0].ID, tori.Date{})
		return
	}
	var kb [][]Button
	for _, t := range ts {
		kb = append(kb, []Button{{Text: t.Name, Data: cb(vForWeek, tok, s.ID, t.ID, dayArg(c.practice.Today(c.now)))}})
	}
	kb = append(kb, []Button{{Text: c.t("button.back", nil), Data: cb(vForServices, tok)}})
	c.show(c.serviceLine(s)+"\n\n"+c.t("therapist.choose", nil), kb)
}

// forDraft is what every step after the therapist works on: the client,
// the service, the therapist (one the sender manages, offering it).
type forDraft struct {
	tok    string
	client tori.Client
	svc    tori.Service
	thr    string
}

// forLoad checks a step's token, service and therapist; false when it
// cannot go on (said so, or refused as an admin action).
func (c *turn) forLoad(tok, svcID, thrID string) (forDraft, bool) {
	s, ok := c.practice.Service(svcID)
	if _, offered := c.practice.Offers(s, thrID); !ok || !offered || !c.manages(thrID) {
		c.refuseAdmin("book " + svcID + " " + thrID)
		return forDraft{}, false
	}
	cl, ok := c.forClient(tok)
	return forDraft{tok: tok, client: cl, svc: s, thr: thrID}, ok
}

// forStep is a press of vForBook: the next question, or the booking.
func (c *turn) forStep(a Action) {
	d, ok := c.forLoad(a.Token, a.Service, a.Therapist)
	if !ok {
		return
	}
	switch o := a.Opts; {
	case o.every == 0:
		c.forOnce(d, a.Time, o)
	case o.count < 0:
		c.forCount(d, a.Time, o)
	default:
		c.forSeries(d, a.Time, o)
	}
}

// forOnce books one session at at: first "book anyway?" for a time
// outside the client-facing rules, and, for a service paid online, a pay
// button or payment at the session.
func (c *turn) forOnce(d forDraft, at time.Time, o forOpts) {
	warn, err := c.bookings.PracticeWarning(d.svc.ID, d.thr, at)
	if err != nil {
		c.refuse("practice warning", err, refusals{tori.EINVALID: func() { c.forPast(d, at) }})
		return
	}
	if warn != "" && !o.anyway {
		c.forAskAnyway(d, at, o, warn)
		return
	}
	paid, err := c.bookings.PaidOnline(c.ctx, d.client, d.svc.ID)
	if err != nil {
		c.fail("paid online", err)
		return
	}
	if paid && (o.pay == 0 || o.pay == 'b' && d.client.Offline()) {
		c.forAskPay(d, at, o)
		return
	}

	req := tori.PracticeBooking{TherapistID: d.thr, ServiceID: d.svc.ID, Client: d.client, Start: at, Anyway: o.anyway}
	switch o.pay {
	case 'b':
		req.Pay = tori.PayByButton
	case 's':
		req.Pay = tori.PayAtTheSession
	}
	a, fresh, err := c.bookings.BookForClient(c.ctx, req)
	if err != nil {
		c.refuse("book for client", err, refusals{
			tori.ECONFLICT: func() { c.forTaken(d, at) },
			tori.EINVALID:  func() { c.forPast(d, at) },
			tori.ETOOLATE:  func() { c.forAskPay(d, at, o.with(func(o *forOpts) { o.pay = 0 })) },
			tori.ELIMIT:    func() { c.show(c.t("for.erasing", nil), nil) },
		})
		return
	}
	c.forBooked(a, fresh)
}

// forCount asks how many sessions, every o.every weeks from at.
func (c *turn) forCount(d forDraft, at time.Time, o forOpts) {
	var row []Button
	for _, n := range countChoices(c.practice.Series.MaxOccurrences) {
		row = append(row, Button{Text: c.cat.N(c.lang, "button.series_count", n, nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.count = n }))})
	}
	kb := [][]Button{row,
		{{Text: c.t("button.for_open", nil), Data: c.forData(d, at, o.with(func(o *forOpts) { o.count = 0 }))}},
		{{Text: c.t("button.back", nil), Data: cb(vForTime, d.tok, d.svc.ID, d.thr, timeArg(at))}},
	}
	data := c.forSessionData(d, at)
	data["Rhythm"] = c.rhythm(c.lang, o.every, at, at.Add(d.svc.Duration))
	data["Ahead"] = c.weeksOf(c.practice.Series.Ahead)
	c.show(c.t("for.count", data), kb)
}

// forData is the callback data of vForBook for d at at with o.
func (c *turn) forData(d forDraft, at time.Time, o forOpts) string {
	return cb(vForBook, d.tok, d.svc.ID, d.thr, timeArg(at), o.String())
}

// weeksOf writes a whole number of weeks as a number.
func (c *turn) weeksOf(dur time.Duration) int { return int(dur / (7 * 24 * time.Hour)) }

// forBooked tells the sender what was booked and, when this press booked
// it (fresh), the client (with Telegram) their confirmation and calendar
// file, or the pay button and its deadline, saying the practice booked
// it, and the therapist, when someone else booked it, the usual notice.
func (c *turn) forBooked(a tori.Appointment, fresh bool) {
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{"Client": clientRef(c.lang, a.Client), "Held": a.Status == tori.StatusHeld,
		"Session": c.serviceLine(s) + ", " + c.whenRange(c.lang, a.Start, a.End) + " · " + c.therapistName(a.TherapistID)}
	if !a.PayBy.IsZero() {
		data["PayBy"] = c.when(c.lang, a.PayBy)
	}
	c.show(c.t("for.booked", data), [][]Button{
		{{Text: c.t("button.for_next", nil), Data: cb(vForNext, a.ID)}, {Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(a.Client.ID, 10))}},
	})

	if !fresh {
		return // a second press: told by the first
	}
	if !c.isTherapistOf(a.TherapistID) {
		id := "notify.booked"
		if a.Status == tori.StatusHeld {
			id = "notify.for_pay"
		}
		c.notify(a, id, map[string]any{"Until": a.PayBy})
	}
	if a.Client.ChatID == 0 {
		return // a client without Telegram is never messaged
	}
	ct := c.Bot.turnFor(c.ctx, a)
	ct.in.MessageID = 0
	ct.forTellClient(a, c.isTherapistOf(a.TherapistID))
	c.res.Replies = append(c.res.Replies, ct.res.Replies...)
}

// isTherapistOf reports whether the sender is therapist tid themselves.
func (c *turn) isTherapistOf(tid string) bool {
	t, ok := c.practice.TherapistOf(c.in.User.ID)
	return ok && t.ID == tid
}

// bookerName is who the client is told booked for them: the therapist
// when they did it themselves, else the practice.
func (c *turn) bookerName(tid string, byTherapist bool) string {
	if byTherapist {
		return c.therapistName(tid)
	}
	return iso(c.lang, c.practice.Name)
}

// forTellClient is the client's message (this turn is theirs): the
// confirmation with the calendar file, or, held for payment, the pay
// button and until when it is held.
func (ct *turn) forTellClient(a tori.Appointment, byTherapist bool) {
	s, _ := ct.practice.Service(a.ServiceID)
	data := ct.bookedData(a, s)
	data["By"] = ct.bookerName(a.TherapistID, byTherapist)
	if a.Status == tori.StatusHeld {
		data["Due"] = ct.price(ct.lang, a.Due)
		data["PayBy"] = ct.when(ct.lang, a.PayBy)
		text := ct.t("for.client_pay", data)
		ct.res.Replies = append(ct.res.Replies, Reply{ChatID: a.Client.ChatID, Text: text, // no Retry: a text sent again would lack its button
			Keyboard: [][]Button{{{Text: ct.t("button.pay", data), Data: cb(vConfirm, a.ID)}}}})
		return
	}
	text := ct.t("for.client_booked", data)
	ct.res.Replies = append(ct.res.Replies, Reply{ChatID: a.Client.ChatID, Text: text, Retry: noticeRetry(a.Client.ChatID, text),
		Keyboard: [][]Button{{{Text: ct.t("button.mine", nil), Data: cb(vMine)}}}})
	ct.icsDocument(a, false)
}

// bookNext is "Book the next one" on session a's card: the same client,
// service and therapist a week later, asked at once when that time is
// free, else that day's free times.
func (c *turn) bookNext(a tori.Appointment) {
	if a.Client.ID == 0 {
		c.refuseAdmin("book next " + a.ID)
		return
	}
	d, ok := c.forLoad(c.forKeep(a.Client), a.ServiceID, a.TherapistID)
	if !ok {
		return
	}
	next := c.local(a.Start).AddDate(0, 0, 7)
	for next.Before(c.now) { // a session long past: the same weekday and time from now on
		next = next.AddDate(0, 0, 7)
	}
	slots, err := c.bookings.PracticeSlots(c.ctx, d.svc.ID, d.thr, tori.DateOf(next), tori.DateOf(next))
	if err != nil {
		c.fail("practice slots", err)
		return
	}
	for _, s := range slots {
		if s.Start.Equal(next) {
			c.forSummary(d, next)
			return
		}
	}
	c.forShowDay(d, tori.DateOf(next), c.t("for.next_taken", map[string]any{"When": c.shortWhen(c.lang, next)}))
}

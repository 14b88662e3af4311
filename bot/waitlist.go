package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/tori-bot/tori"
)

// waitJoinButton joins the waitlist for the days from..to of calendar k
// (docs/ARCHITECTURE.md, "The waitlist", says what the chat offers).
func (c *turn) waitJoinButton(k calendar, from, to tori.Date, label string) []Button {
	return []Button{{Text: c.t(label, nil), Data: cb(vWaitJoin, k.svc.ID, thr(k.thr), dayArg(from), dayArg(to))}}
}

// waitChoosePart asks which part of the day would suit.
func (c *turn) waitChoosePart(a Action) {
	k, ok := c.lookup(a.Service, a.Therapist)
	if !ok {
		return
	}
	var kb [][]Button
	for _, p := range tori.DayParts {
		kb = append(kb, []Button{{Text: c.t("button.part_"+partArg(p), nil),
			Data: cb(vWaitPart, k.svc.ID, thr(k.thr), dayArg(a.Day), dayArg(a.To), partArg(p))}})
	}
	kb = append(kb, []Button{{Text: c.t("button.back_week", nil), Data: k.weekData(a.Day)}})
	c.show(k.title+"\n\n"+c.t("wait.part", map[string]any{"Days": c.dayRange(a.Day, a.To)}), kb)
}

// waitJoin puts the client on the waitlist.
func (c *turn) waitJoin(a Action) {
	k, ok := c.lookup(a.Service, a.Therapist)
	if !ok {
		return
	}

	e, err := c.bookings.JoinWaitlist(c.ctx, c.client(), a.Service, a.Therapist, a.Day, a.To, a.Part)
	if err != nil {
		c.refuse("join waitlist", err, refusals{
			tori.ELIMIT: func() {
				c.show(c.t("wait.limit", map[string]any{"Max": c.practice.Waitlist.MaxEntries}),
					[][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
			},
			tori.EINVALID: func() {
				c.show(k.title+"\n\n"+c.t("wait.bad_days", nil), [][]Button{{{Text: c.t("button.back_week", nil), Data: k.weekData(c.practice.Today(c.now))}}})
			},
		})
		return
	}

	c.show(c.t("wait.joined", map[string]any{"Entry": c.entryLine(e), "Window": c.minutes(c.lang, c.practice.Waitlist.OfferWindow)}),
		[][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}, {Text: c.t("button.menu", nil), Data: cb(vMenu)}}})
}

// dayRange writes "Thu 3/12" or "Thu 3/12 – Sat 5/12".
func (c *turn) dayRange(from, to tori.Date) string {
	if from == to {
		return c.shortDay(c.lang, from)
	}
	return ltr(c.lang, c.shortDay(c.lang, from)+" – "+c.shortDay(c.lang, to))
}

// entryLine writes an entry: service, therapist (or anyone), days, part.
func (c *turn) entryLine(e tori.WaitEntry) string {
	s, _ := c.practice.Service(e.ServiceID)
	who := c.t("wait.with_anyone", nil)
	if e.TherapistID != "" {
		who = c.t("wait.with", map[string]any{"Therapist": c.therapistName(e.TherapistID)})
	}
	return c.t("wait.entry", map[string]any{"Service": iso(c.lang, s.Name(c.lang, c.practice.Language)), "Who": who,
		"Days": c.dayRange(e.From, e.To), "Part": c.t("part."+partArg(e.Part), nil)})
}

// waitEntries adds the client's waitlist entries to /my: lines and a
// button to leave each.
func (c *turn) waitEntries() ([]string, [][]Button, error) {
	es, err := c.bookings.Waitlist(c.ctx, c.client())
	if err != nil || len(es) == 0 {
		return nil, nil, err
	}
	lines := []string{c.t("mine.waitlist", nil)}
	var kb [][]Button
	for i, e := range es {
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, c.entryLine(e)))
		kb = append(kb, []Button{{Text: c.t("button.wait_leave", map[string]any{"N": i + 1}), Data: cb(vWaitLeave, e.ID)}})
	}
	return lines, kb, nil
}

// waitLeave takes an entry off the client's waitlist.
func (c *turn) waitLeave(id string) {
	err := c.bookings.LeaveWaitlist(c.ctx, c.client(), id)
	if err != nil && tori.ErrorCode(err) != tori.ENOTFOUND { // gone already, or never theirs: either way not on their list
		c.fail("leave waitlist", err)
		return
	}
	c.res.Notice = c.t("wait.left", nil)
	c.mine()
}

// OfferReplies is a waitlist offer to its client.
func (b *Bot) OfferReplies(ctx context.Context, a tori.Appointment) []Reply {
	c := b.turnFor(ctx, a)
	c.in.MessageID = 0
	data := c.holdData(a)
	data["Where"] = c.where(a, false)
	c.show(c.t("offer.text", data), [][]Button{
		{{Text: c.t("button.offer_take", nil), Data: cb(vOfferTake, a.ID)}},
		{{Text: c.t("button.offer_pass", nil), Data: cb(vOfferPass, a.ID)}},
	})
	return c.res.Replies
}

// offerTake takes an offer: the usual summary, to confirm or pay.
func (c *turn) offerTake(id string) {
	h, err := c.bookings.TakeOffer(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("take offer", err, refusals{
			tori.EEXPIRED:  func() { c.offerEnded("offer.passed") },
			tori.EGONE:     func() { c.offerEnded("offer.withdrawn") },
			tori.ENOTFOUND: func() { c.offerUnknown(id) },
		})
		return
	}

	if h.Booked() {
		c.showBooked(h)
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{Hold: h.ID})
	c.summary(h, tori.Appointment{})
}

// offerEnded says an offer is no longer there to take: it passed on
// ("offer.passed") or was withdrawn ("offer.withdrawn").
func (c *turn) offerEnded(id string) {
	c.show(c.t(id, nil), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
}

// offerUnknown refuses an offer that is not the client's (or is no more),
// and logs it.
func (c *turn) offerUnknown(id string) {
	c.log.Warn("waitlist offer refused", "user", c.in.User.ID, "appointment", id)
	c.say("offer.unknown")
}

// offerPass passes an offer on to the next in line.
func (c *turn) offerPass(id string) {
	h, err := c.bookings.DeclineOffer(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("pass offer", err, refusals{
			tori.ECONFLICT: func() { c.showBooked(h) }, // taken already
			tori.ENOTFOUND: func() { c.offerUnknown(id) },
		})
		return
	}
	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Hold == h.ID {
		c.saveState(c.ctx, c.in.User.ChatID, state{})
	}
	c.show(c.t("offer.passed_on", map[string]any{"When": c.shortWhen(c.lang, h.Start)}),
		[][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}, {Text: c.t("button.menu", nil), Data: cb(vMenu)}}})
}

// OfferUnfilledReplies tell the therapist nobody on the waitlist took a
// freed time.
func (b *Bot) OfferUnfilledReplies(f tori.Freeing) []Reply {
	t, ok := b.practice.Therapist(f.TherapistID)
	if !ok {
		return nil
	}
	lang := t.Lang
	if lang == "" {
		lang = b.practice.Language
	}
	text := b.cat.N(lang, "notify.offer_unfilled", len(f.Offered), map[string]any{"When": b.whenRange(lang, f.Start, f.End)})
	var out []Reply
	for _, chat := range t.TelegramIDs {
		out = append(out, Reply{ChatID: chat, Text: text})
	}
	return out
}

// WaitlistEndedReplies tell a client their entry's days have passed.
func (b *Bot) WaitlistEndedReplies(ctx context.Context, e tori.WaitEntry) []Reply {
	c := b.turnFor(ctx, tori.Appointment{Client: e.Client})
	c.show(c.t("wait.ended", map[string]any{"Entry": c.entryLine(e)}),
		[][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}}})
	return c.res.Replies
}

// isOffer reports whether a hold is a waitlist offer not yet taken (its
// client has not opened its summary).
func (c *turn) isOffer(a tori.Appointment) bool {
	return strings.Contains(a.Offer, "/") && c.loadState(c.ctx, a.Client.ChatID).Hold != a.ID
}

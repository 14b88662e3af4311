package bot

import (
	"context"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Bookings awaiting their payment (Appointment.PayBy): a prepaid series'
// later weeks, a prepaid session the practice booked. The worker sends
// their pay reminder and tells when one is released unpaid.

// PayReminder asks a's client to pay their session by its deadline, with
// the pay button (the PayPal order is made when it is pressed: no order
// for a session the client never pays, and none that expires at PayPal
// before they press it).
func (n *Notifier) PayReminder(ctx context.Context, a tori.Appointment) error {
	if a.Client.ChatID == 0 {
		return nil // a client without Telegram is never messaged
	}
	c := n.Bot.turnFor(ctx, a)
	c.in.MessageID = 0 // a message of its own
	data := c.payData(a)
	data["PayBy"] = c.when(c.lang, a.PayBy)
	text := c.t("pay_by.reminder", data)
	if a.Prepay == "repeat" { // why a session paid at the session is to be paid now
		text += "\n\n" + c.repeatLine()
	}
	c.send(text, [][]Button{
		{{Text: c.t("button.pay", data), Data: cb(vConfirm, a.ID)}},
		{{Text: c.t("button.mine", nil), Data: cb(vMine)}},
	})
	return n.send(ctx, c.res.Replies)
}

// payByReleased tells a's client and therapist that a, a booking awaiting
// its payment, was released unpaid at its deadline and its time offered
// to the waitlist. Both messages are queued for the worker when Telegram
// does not take them, as notices are, rather than lost.
func (n *Notifier) payByReleased(ctx context.Context, a tori.Appointment) error {
	c := n.Bot.turnFor(ctx, a)
	if a.Client.ChatID != 0 {
		c.in.MessageID = 0
		c.send(c.t("pay_by.released", map[string]any{
			"When":  c.whenRange(c.lang, a.Start, a.End),
			"PayBy": c.when(c.lang, a.PayBy),
		}), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	}
	c.notify(a, "notify.pay_by_released", map[string]any{"Until": a.PayBy, "Due": a.Due})

	for i, r := range c.res.Replies {
		if r.Retry == "" {
			c.res.Replies[i].Retry = noticeRetry(r.ChatID, r.Text)
		}
	}
	return n.send(ctx, c.res.Replies)
}

// toPayLines are /my's lines for the client's bookings awaiting their
// payment ("to pay by …"), each with its pay button; none when there are
// none.
func (c *turn) toPayLines() (string, [][]Button, error) {
	due, err := c.bookings.ToPay(c.ctx, c.client())
	if err != nil || len(due) == 0 {
		return "", nil, err
	}
	lines := []string{c.t("mine.to_pay", nil)}
	var kb [][]Button
	for _, a := range due {
		data := map[string]any{"Booking": c.describe(a), "PayBy": c.when(c.lang, a.PayBy), "Due": c.price(c.lang, a.Due),
			"Label": c.shortWhen(c.lang, a.Start)}
		lines = append(lines, c.t("mine.to_pay_line", data))
		kb = append(kb, []Button{{Text: c.t("button.pay_n", data), Data: cb(vConfirm, a.ID)}})
	}
	return "\n\n" + strings.Join(lines, "\n"), kb, nil
}

// seriesPayFirst shows the first week of sr, a prepaid series just taken,
// to pay now (it is the current hold), saying how the later weeks are
// paid: each by its own deadline, with a reminder.
func (c *turn) seriesPayFirst(sr tori.Series) {
	first, err := c.bookings.Store.Appointment(c.ctx, sr.Taken[0].ID)
	if err != nil {
		c.fail("load the first week", err)
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{Hold: first.ID})

	s, _ := c.practice.Service(sr.Rule.ServiceID)
	note := "\n\n" + c.t("series.pay_each", map[string]any{
		"Count":  len(sr.Taken),
		"Rhythm": c.rhythm(c.lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration)),
		"Notice": c.hours(c.lang, c.practice.Policy.FirstRefundBoundary()),
		"Until":  c.until(c.lang, first.HoldUntil, c.now),
	})
	c.startPaymentWith(first, note)
}

// repeatLine says, in one polite sentence, why a booking is prepaid: the
// client's late cancellations or missed sessions (the prepayment rule).
func (c *turn) repeatLine() string {
	p := c.practice.Policy
	return c.cat.N(c.lang, "prepay.repeat", p.RepeatCount, map[string]any{"Days": int(p.RepeatWithin / (24 * time.Hour))})
}

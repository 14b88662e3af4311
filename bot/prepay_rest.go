package bot

import (
	"context"

	"github.com/tori-bot/tori"
)

// PrepayRest tells a's client, once (the worker marks it), that the
// sessions of their series still ahead are now paid in advance, each by
// its own deadline with a pay reminder: they became a repeat offender
// (scheduler.PrepayRestNotifier). A client without Telegram is never
// messaged.
func (n *Notifier) PrepayRest(ctx context.Context, a tori.Appointment) error {
	if !tori.Reachable(a.Client.ChatID) {
		return nil
	}
	c := n.Bot.turnFor(ctx, a)
	c.in.MessageID = 0 // a message of its own
	count := 0
	if all, err := c.bookings.Store.ClientAppointments(ctx, a.Client.ID, c.now); err == nil {
		for _, o := range all {
			if o.Series == a.Series && o.AwaitingPayment(c.now) {
				count++
			}
		}
	}
	c.send(c.cat.N(c.lang, "series.prepay_rest", max(count, 1), map[string]any{
		"Why": c.repeatLine(), "Notice": c.hours(c.lang, c.practice.Policy.FirstRefundBoundary()),
	}), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	return n.send(ctx, c.res.Replies)
}

package bot

import (
	"context"

	"github.com/tori-bot/tori"
)

// BusyOverBooking tells a's therapist that a busy time newly read from
// their own calendar lies over a's session, which stays booked (an import
// never cancels one).
func (n *Notifier) BusyOverBooking(ctx context.Context, o tori.BusyOverlap, a tori.Appointment) error {
	return n.send(ctx, n.Bot.BusyOverBookingReplies(ctx, o, a))
}

// BusyOverBookingReplies is BusyOverBooking's notice, in the therapist's language.
func (b *Bot) BusyOverBookingReplies(ctx context.Context, o tori.BusyOverlap, a tori.Appointment) []Reply {
	c := b.turnFor(ctx, a)
	t, lang, ok := c.therapistOf(a.TherapistID)
	if !ok {
		return nil
	}
	data := c.noticeData(lang, a)
	data["Busy"] = c.whenRange(lang, o.Busy.Start, o.Busy.End)
	data["Held"] = a.Status == tori.StatusHeld
	c.tellTherapist(t, c.cat.T(lang, "notify.busy_over_booking", data), a.Client.ID)
	return c.res.Replies
}

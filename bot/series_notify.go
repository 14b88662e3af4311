package bot

import (
	"context"

	"github.com/tori-bot/tori"
)

// notifySeries tells the therapist of sessions as of series sr in one
// notice (message id, plural by their number) that lists their dates,
// rather than one notice a week. more, if given, adds what only some
// notices say, written in the therapist's language.
func (c *turn) notifySeries(sr tori.Series, as []tori.Appointment, id string, more func(lang string, data map[string]any)) {
	t, lang, ok := c.therapistOf(as[0].TherapistID)
	if !ok {
		return
	}
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	data := c.noticeData(lang, as[0])
	if sr.Rule.Every != 0 {
		data["Rhythm"] = c.rhythm(lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration))
	}
	data["Dates"] = c.dateLines(lang, as)
	if more != nil {
		more(lang, data)
	}
	c.tellTherapist(t, c.cat.N(lang, id, len(as), data), as[0].Client.ID)
}

// seriesHoldEnded tells the client, once for the whole series, that the
// held series a is a week of ran out before it was booked: the hold of
// its first week tells, the others say nothing.
func (n *Notifier) seriesHoldEnded(ctx context.Context, a tori.Appointment) error {
	sr, err := n.Bot.bookings.Series(ctx, a.Series)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if len(sr.Taken) == 0 || sr.Taken[0].ID != a.ID {
		return nil
	}

	c := n.Bot.turnFor(ctx, a)
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	c.show(c.cat.N(c.lang, "series.hold_ended", len(sr.Taken), map[string]any{
		"Rhythm": c.rhythm(c.lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration)),
		"From":   c.longDate(c.lang, a.Start),
		"Until":  c.until(c.lang, a.HoldUntil, c.now),
	}), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	return n.send(ctx, c.res.Replies)
}

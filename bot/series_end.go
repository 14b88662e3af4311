package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
)

// SeriesEnding asks the client of counted series sr, before its last
// session last, whether to continue for as many more, and tells the
// therapist the series is ending (the worker's series-end job, which
// asks once per series).
func (n *Notifier) SeriesEnding(ctx context.Context, sr tori.Series, last tori.Appointment) error {
	return n.send(ctx, n.Bot.SeriesEndReplies(ctx, sr, last))
}

// SeriesEndReplies is SeriesEnding's messages: to the client "Continue for
// N more?" with Yes and No (none when no more fit before the horizon),
// to the therapist that the series ends.
func (b *Bot) SeriesEndReplies(ctx context.Context, sr tori.Series, last tori.Appointment) []Reply {
	c := b.turnFor(ctx, last)
	c.in.MessageID = 0

	more := c.seriesMore(sr, last)
	if more >= 2 && last.Client.ChatID != 0 {
		c.send(c.t("series.end_ask", map[string]any{
			"Every": c.t(fmt.Sprintf("series.every.%d", sr.Rule.Every), nil),
			"Last":  c.longDate(c.lang, last.Start),
			"Count": more,
		}), [][]Button{
			{{Text: c.t("button.series_more", map[string]any{"Count": more}), Data: cb(vSeriesMore, sr.ID)}},
			{{Text: c.t("button.series_enough", nil), Data: cb(vSeriesEnough, sr.ID)}},
		})
	}

	if t, lang, ok := c.therapistOf(last.TherapistID); ok {
		data := c.noticeData(lang, last)
		data["Every"] = c.cat.T(lang, fmt.Sprintf("series.every.%d", sr.Rule.Every), nil)
		data["Asked"] = more >= 2 && last.Client.ChatID != 0
		data["Offline"] = last.Client.Offline()
		c.tellTherapist(t, c.cat.T(lang, "notify.series_ending", data), last.Client.ID)
	}
	return c.res.Replies
}

// seriesMore is how many sessions the continuation of sr after last
// offers: as many as sr had, at most series.max_occurrences and none past
// the booking horizon.
func (c *turn) seriesMore(sr tori.Series, last tori.Appointment) int {
	return min(sr.Rule.Count, c.seriesMostFrom(c.nextAfter(sr, last), sr.Rule.Every))
}

// nextAfter is the first session of sr's continuation: the same wall-clock
// time, sr's rhythm after last.
func (c *turn) nextAfter(sr tori.Series, last tori.Appointment) time.Time {
	return c.local(last.Start).AddDate(0, 0, 7*sr.Rule.Every)
}

// seriesContinue is the client's "yes": the same time after the series'
// last session is held, and the weeks from it shown as any new series'
// are (seriesPlan), to confirm. A button of another client's series finds
// none and changes nothing.
func (c *turn) seriesContinue(id string) {
	sr, last, ok := c.endingSeries(id)
	if !ok {
		return
	}

	// Held as a time chosen in the chat is: the chat's flow holds it.
	first := c.nextAfter(sr, last)
	c.releaseCurrent()
	h, err := c.bookings.Hold(c.ctx, c.client(), sr.Rule.ServiceID, sr.Rule.TherapistID, first, c.in.MessageID)
	if tori.ErrorCode(err) == tori.EINTERNAL {
		c.fail("hold the next series", err)
		return
	}
	if err != nil {
		c.show(c.t("series.more_taken", map[string]any{"When": c.whenRange(c.lang, first, first.Add(last.End.Sub(last.Start)))}),
			[][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}}})
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{Hold: h.ID})

	if n := min(sr.Rule.Count, c.seriesMost(h, sr.Rule.Every)); n >= 2 {
		c.seriesPlan(h.ID, sr.Rule.Every, n, weeks{})
		return
	}
	c.seriesCount(h.ID, sr.Rule.Every) // says there is no room for them yet
}

// seriesEnough is the client's "no": thanks, and nothing changes.
func (c *turn) seriesEnough(id string) {
	if _, last, ok := c.endingSeries(id); ok {
		c.show(c.t("series.enough", map[string]any{"Last": c.longDate(c.lang, last.Start)}),
			[][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	}
}

// endingSeries loads the client's counted series id and its last session;
// false (said so) when it is not theirs or has none.
func (c *turn) endingSeries(id string) (tori.Series, tori.Appointment, bool) {
	sr, err := c.bookings.OwnSeries(c.ctx, c.client(), id)
	if err == nil && (len(sr.Taken) == 0 || sr.Rule.Count == 0) {
		err = tori.Errorf(tori.ENOTFOUND, "no session to continue from")
	}
	if err != nil {
		c.refuse("load series", err, refusals{tori.ENOTFOUND: c.saying("booking.gone")})
		return tori.Series{}, tori.Appointment{}, false
	}

	last, err := c.bookings.Store.Appointment(c.ctx, sr.Taken[len(sr.Taken)-1].ID)
	if err != nil {
		c.refuse("load appointment", err, refusals{tori.ENOTFOUND: c.saying("booking.gone")})
		return tori.Series{}, tori.Appointment{}, false
	}
	return sr, last, true
}

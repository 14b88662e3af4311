package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// SeriesGaps tells the client and the therapist of the weeks missed, which
// the open-ended series sr could not book as it extended (the worker's
// series job, once: only the step that recorded them returns them).
func (n *Notifier) SeriesGaps(ctx context.Context, sr tori.Series, missed []tori.Occurrence) error {
	replies, err := n.Bot.SeriesGapReplies(ctx, sr, missed)
	if err != nil {
		return err
	}
	return n.send(ctx, replies)
}

// SeriesGapReplies is SeriesGaps' messages: to the client (only one with
// Telegram) each week missed, why, and a button for the nearest free
// time that week, or "skip"; to the therapist the same, with buttons that
// book that time for the client.
func (b *Bot) SeriesGapReplies(ctx context.Context, sr tori.Series, missed []tori.Occurrence) ([]Reply, error) {
	if len(missed) == 0 || len(sr.Taken) == 0 {
		return nil, nil
	}
	last, err := b.bookings.Store.Appointment(ctx, sr.Taken[len(sr.Taken)-1].ID)
	if err != nil {
		return nil, err
	}
	c := b.turnFor(ctx, last)
	c.in.MessageID = 0

	if last.Client.ChatID != 0 {
		kb := c.gapButtons(c.lang, sr.ID, missed, vSeriesGapTake)
		kb = append(kb, []Button{{Text: c.t("button.series_gap_skip", nil), Data: cb(vSeriesGapSkip, sr.ID)}})
		c.send(c.cat.N(c.lang, "series.gap", len(missed), c.gapData(c.lang, sr, last, missed)), kb)
	}

	if t, lang, ok := c.therapistOf(sr.Rule.TherapistID); ok {
		data := c.gapData(lang, sr, last, missed)
		data["Client"] = clientRef(lang, last.Client)
		data["Told"] = last.Client.ChatID != 0
		text, kb := c.cat.N(lang, "notify.series_gap", len(missed), data), c.gapButtons(lang, sr.ID, missed, vAdminSeriesGap)
		for _, chat := range t.TelegramIDs {
			c.res.Replies = append(c.res.Replies, Reply{ChatID: chat, Text: text, Keyboard: kb})
		}
	}
	return c.res.Replies, nil
}

// gapData is what both sides are told of the weeks missed: the series,
// and each week with why and the nearest free time, one a line.
func (c *turn) gapData(lang string, sr tori.Series, last tori.Appointment, missed []tori.Occurrence) map[string]any {
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	name := sr.Rule.TherapistID
	if t, ok := c.practice.Therapist(name); ok {
		name = t.Name
	}
	name = iso(lang, name)

	// Each week: its day and time, why, and the nearest free time.
	lines := make([]string, len(missed))
	for i, o := range missed {
		why := o.Conflict
		if why == "" {
			why = o.Warn
		}
		data := map[string]any{
			"Day":    c.shortDay(lang, tori.DateOf(c.local(o.Start))) + ", " + c.timeRange(lang, o.Start, o.End),
			"Reason": c.cat.T(lang, "series.reason."+string(why), map[string]any{"Therapist": name}),
		}
		if !o.Near.IsZero() {
			data["Near"] = c.shortWhen(lang, o.Near)
		}
		lines[i] = c.cat.T(lang, "series.gap_line", data)
	}

	return map[string]any{
		"Service":   iso(lang, s.Name(lang, c.practice.Language)),
		"Therapist": name,
		"Rhythm":    c.rhythm(lang, sr.Rule.Every, last.Start, last.End),
		"Weeks":     strings.Join(lines, "\n"),
	}
}

// gapButtons is a button for each week missed that has a free time: verb
// books it (the client's, or the practice's for the client).
func (c *turn) gapButtons(lang, id string, missed []tori.Occurrence, verb string) [][]Button {
	var kb [][]Button
	for _, o := range missed {
		if !o.Near.IsZero() {
			kb = append(kb, []Button{{Text: c.cat.T(lang, "button.series_gap_take", map[string]any{"When": c.shortWhen(lang, o.Near)}), Data: cb(verb, id, timeArg(o.Near))}})
		}
	}
	return kb
}

// seriesGapTake is the client's press of a missed week's time: booked as
// a session of their series (checked again), the therapist told. Another
// client's series finds nothing and changes nothing.
func (c *turn) seriesGapTake(id string, at time.Time) {
	a, err := c.bookings.FillSeriesGap(c.ctx, id, c.client().ID, at)
	if err != nil {
		c.gapRefused(err, "series.gap_taken", [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}, {Text: c.t("button.book", nil), Data: cb(vBook)}}})
		return
	}
	c.showBooked(a)
	c.notify(a, "notify.series_gap_booked", nil)
}

// adminSeriesGap is the practice's press of a missed week's time, for a
// series of a therapist the sender manages: booked for the client, who is
// told (with Telegram), as the practice is.
func (c *turn) adminSeriesGap(id string, at time.Time) {
	if tid, _ := tori.TherapistOfID(id); !c.manages(tid) {
		c.refuseAdmin("series gap " + id)
		return
	}
	a, err := c.bookings.FillSeriesGap(c.ctx, id, 0, at)
	if err != nil {
		c.gapRefused(err, "admin.series_gap_taken", nil)
		return
	}
	c.show(c.t("admin.series_gap_booked", map[string]any{"Session": c.sessionLine(a)}),
		[][]Button{{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(a.Start))))}}})
	if a.Client.ChatID != 0 {
		k := c.Bot.turnFor(c.ctx, a)
		k.in.MessageID = 0
		k.showBooked(a)
		c.res.Replies = append(c.res.Replies, k.res.Replies...)
	}
}

// gapRefused says why a missed week's time was not booked: taken (message
// id, with kb) when the time was taken meanwhile or the week is booked
// already.
func (c *turn) gapRefused(err error, taken string, kb [][]Button) {
	c.refuse("fill series gap", err, refusals{
		tori.ENOTFOUND: c.saying("booking.gone"),
		tori.EGONE:     c.saying("booking.gone"),
		tori.EEXPIRED:  c.saying("series.gap_passed"),
		tori.ECONFLICT: func() { c.show(c.t(taken, map[string]any{"Booked": errors.Is(err, tori.ErrSeriesWeekBooked)}), kb) },
	})
}

// seriesGapSkip is the client's "skip": the week stays without a session.
func (c *turn) seriesGapSkip(id string) {
	if _, err := c.bookings.OwnSeries(c.ctx, c.client(), id); err != nil {
		c.refuse("load series", err, refusals{tori.ENOTFOUND: c.saying("booking.gone")})
		return
	}
	c.show(c.t("series.gap_skipped", nil), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
}

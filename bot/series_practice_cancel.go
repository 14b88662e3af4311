package bot

import (
	"github.com/tori-bot/tori"
)

// adminCancelRestAsk shows the practice the sessions of a's series from a
// on that cancelling them now ends, and what is refunded (in full, as any
// practice cancellation), and asks.
func (c *turn) adminCancelRestAsk(a tori.Appointment) {
	q, err := c.bookings.QuotePracticeCancelSeriesFrom(c.ctx, a.ID)
	if err != nil {
		c.refuse("quote practice series cancel", err, refusals{
			tori.ECONFLICT: func() { c.notNow(a.ID) },
			tori.EINVALID:  func() { c.adminCancelAsk(a) },
		})
		return
	}
	c.showAdminCancelRest(q, "")
}

// showAdminCancelRest asks the practice to cancel the sessions of q;
// changed, if any, comes first.
func (c *turn) showAdminCancelRest(q tori.SeriesCancelQuote, changed string) {
	a := q.Sessions[0]
	data := c.cancelledData(c.lang, q.Sessions)
	data["Client"] = clientRef(c.lang, a.Client)
	data["Terms"] = c.restTerms(q)
	c.show(changed+c.cat.N(c.lang, "admin.series_cancel_ask", len(q.Sessions), data), [][]Button{
		{{Text: c.cat.N(c.lang, "button.series_cancel_yes", len(q.Sessions), nil), Data: cb(vAdminCancelRestDo, a.ID, q.Stamp())}},
		{{Text: c.t("button.cancel_no", nil), Data: cb(vAdminOpen, a.ID)}},
	})
}

// adminCancelRestDo cancels, as the practice, the sessions shown (stamp):
// each refunded in full once and its time offered to the waitlist. The
// client is told once, listing the dates, with a calendar file that takes
// them off; a second press tells nobody again.
func (c *turn) adminCancelRestDo(a tori.Appointment, stamp string) {
	done, q, err := c.bookings.PracticeCancelSeriesFrom(c.ctx, a.ID, stamp)
	switch code := tori.ErrorCode(err); {
	case err == nil:
	case code == tori.EEXPIRED && len(done) == 0 && len(q.Sessions) > 0:
		c.showAdminCancelRest(q, c.t("admin.series_changed", nil)+"\n\n")
		return
	case len(done) == 0:
		c.refuse("cancel series as practice", err, refusals{tori.ECONFLICT: func() { c.notNow(a.ID) }})
		return
	default:
		c.log.Warn("a series cancelled in part by the practice", "user", c.in.User.ID, "cancelled", len(done), "err", err)
	}

	as, fresh := cancelledSessions(done)
	data := c.cancelledData(c.lang, as)
	data["Client"] = clientRef(c.lang, as[0].Client)
	data["Partial"] = err != nil
	c.show(c.cat.N(c.lang, "admin.series_cancelled", len(as), data),
		[][]Button{{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(a.Start))))}}})
	if len(fresh) > 0 {
		c.res.Replies = append(c.res.Replies, c.practiceCancelledSeries(fresh)...)
	}
}

// practiceCancelledSeries is what the client is told of the sessions as
// of a series the practice cancelled: one message with their dates and
// the refund, and one calendar file taking them off; nothing when they
// have no Telegram.
func (c *turn) practiceCancelledSeries(as []tori.Appointment) []Reply {
	if as[0].Client.ChatID == 0 {
		return nil
	}
	k := c.Bot.turnFor(c.ctx, as[0])
	k.in.MessageID = 0
	k.send(k.cat.N(k.lang, "series.practice_cancelled", len(as), k.cancelledData(k.lang, as)),
		[][]Button{{{Text: k.t("button.book", nil), Data: cb(vBook)}, {Text: k.t("button.mine", nil), Data: cb(vMine)}}})
	k.icsSeries(as, true)
	return k.res.Replies
}

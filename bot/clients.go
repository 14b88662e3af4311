package bot

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// clientLookup finds a client by @username or id, or a client without
// Telegram by name or phone; "/client new" adds one of those.
func (c *turn) clientLookup(arg string) {
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "":
		c.show(c.t("admin.client_usage", nil)+"\n"+c.t("client_offline.usage", nil), c.newClientButton())
		return
	case strings.EqualFold(arg, "new") || arg == "חדש":
		c.newClientAsk()
		return
	}
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 && arg[0] != '+' {
		c.clientHistory(id)
		return
	}
	if !strings.HasPrefix(arg, "@") && c.findOffline(arg) {
		return
	}

	id, err := c.bookings.Store.ClientByUsername(c.ctx, arg)
	if err != nil {
		c.refuse("client lookup", err, refusals{
			tori.ENOTFOUND: func() { c.show(c.t("admin.client_unknown", map[string]any{"Who": esc(arg)}), c.newClientButton()) },
		})
		return
	}
	c.clientHistory(id)
}

// clientHistory shows what the practice knows of a client: bookings with
// the sender's therapists (the most recent and upcoming ones listed), late
// cancellations and no-shows on record at the practice, payments, and, for
// whoever manages every calendar, the prepayment switch. A therapist of a
// shared practice sees only clients who booked with them.
func (c *turn) clientHistory(id int64) {
	id, rec, ok := c.historyOf(id)
	if !ok {
		return
	}
	all, err := c.bookings.Store.ClientAppointments(c.ctx, id, time.Time{})
	if err != nil {
		c.fail("client history", err)
		return
	}

	// Only the bookings with the therapists the sender manages.
	var mine []tori.Appointment
	for _, a := range all {
		if c.manages(a.TherapistID) && a.Booked() {
			mine = append(mine, a)
		}
	}
	slices.SortStableFunc(mine, func(a, b tori.Appointment) int { return a.Start.Compare(b.Start) })
	if len(mine) == 0 && !c.managesAll() && rec.ID != id {
		c.show(c.t("admin.client_unknown", map[string]any{"Who": esc("#" + strconv.FormatInt(id, 10))}), nil)
		return
	}

	// What is on record at the practice, whoever the therapist.
	strikes, err := c.bookings.Store.Strikes(c.ctx, id, time.Time{})
	if err != nil {
		c.fail("client history", err)
		return
	}
	prepay, err := c.bookings.Store.Prepay(c.ctx, id)
	if err != nil {
		c.fail("client history", err)
		return
	}
	mode := prepay
	if mode == "" {
		mode = "policy"
	}

	data := c.historyData(id, mine)
	data["Strikes"] = strikes
	data["Prepay"] = c.t("prepay_mode."+mode, nil)
	kb := [][]Button{{{Text: c.t("button.for_client", nil), Data: cb(vForClient, strconv.FormatInt(id, 10))}}} // practice_book.go
	if c.managesAll() {
		kb = append(kb, c.prepayButtons(id, mode))
	}
	card := ""
	if rec.ID == id { // a client without Telegram: marked, with their invite link
		var row []Button
		data["Client"] = clientRef(c.lang, rec.Client())
		card, row = c.offlineCard(rec)
		kb = append(kb, row)
	}
	c.show(c.t("admin.client", data)+card, kb)
}

// newClientButton offers to add a client without Telegram, to whoever
// may (a store that keeps them).
func (c *turn) newClientButton() [][]Button {
	if _, ok := c.offlineStore(); !ok {
		return nil
	}
	return [][]Button{{{Text: c.t("button.client_new", nil), Data: cb(vClientNew)}}}
}

// historyData counts a client's bookings (mine, oldest first) by status and
// sums their payments and refunds, and lists the last 15, a session of a
// series marked with which of it it is.
func (c *turn) historyData(id int64, mine []tori.Appointment) map[string]any {
	name := "#" + strconv.FormatInt(id, 10)
	counts := map[tori.Status]int{}
	paid, refunded := map[string]int64{}, map[string]int64{}
	var lines []string
	for i, a := range mine {
		name = clientRef(c.lang, a.Client)
		counts[a.Status]++
		paid[a.Paid.Currency] += a.Paid.Amount // in the currency taken, not the price's
		refunded[a.Refunded.Currency] += a.Refunded.Amount
		if i >= len(mine)-15 {
			lines = append(lines, c.shortWhen(c.lang, a.Start)+c.marked(a)+" · "+c.t("status."+string(a.Status), nil))
		}
	}

	return map[string]any{
		"Client":     name,
		"Upcoming":   counts[tori.StatusConfirmed],
		"Completed":  counts[tori.StatusCompleted],
		"Cancelled":  counts[tori.StatusCancelledByClient],
		"ByPractice": counts[tori.StatusCancelledByPractice],
		"NoShows":    counts[tori.StatusNoShow],
		"Paid":       c.sums(paid),
		"Refunded":   c.sums(refunded),
		"Lines":      strings.Join(lines, "\n"),
		"Earlier":    max(len(mine)-15, 0),
	}
}

// prepayButtons switch a client's prepayment to each mode but the one set.
func (c *turn) prepayButtons(id int64, mode string) []Button {
	cid := strconv.FormatInt(id, 10)
	var row []Button
	for _, m := range []string{tori.PrepayRequired, tori.PrepayExempt, "policy"} {
		if m != mode {
			row = append(row, Button{Text: c.t("button.prepay_"+m, nil), Data: cb(vAdminPrepay, cid, m)})
		}
	}
	return row
}

// sums writes amounts by currency ("₪1,200 + $90"), or a zero in the
// practice's first currency.
func (c *turn) sums(by map[string]int64) string {
	var parts []string
	for cur, n := range by {
		if n != 0 {
			parts = append(parts, c.price(c.lang, tori.Money{Amount: n, Currency: cur}))
		}
	}
	if len(parts) == 0 {
		cur := ""
		if len(c.practice.Services) > 0 {
			cur = c.practice.Services[0].Price.Currency
		}
		return c.price(c.lang, tori.Money{Currency: cur})
	}
	slices.Sort(parts)
	return strings.Join(parts, " + ")
}

// setPrepay sets a client's prepayment (mode "policy": as the policy says)
// and shows their history again.
func (c *turn) setPrepay(id int64, mode string) {
	if mode == "policy" {
		mode = ""
	}
	if err := c.bookings.Store.SetPrepay(c.ctx, id, mode); err != nil {
		c.fail("set prepay", err)
		return
	}
	c.res.Notice = c.t("admin.prepay_set", nil)
	c.clientHistory(id)
}

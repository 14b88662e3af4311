package bot

import "github.com/tori-bot/tori"

// bookOfflineNamed is /book followed by a client without Telegram's name
// or phone: one found is booked for, several are listed to choose from.
// false when none matched (or the store keeps none).
func (c *turn) bookOfflineNamed(who string) bool {
	return c.pickOffline(who, vForClient, c.bookFor)
}

// forSeriesPayNote is what the client is told once of a series the
// practice booked whose weeks await their payment: each is paid by its
// own deadline (the first's named), the pay button comes with a reminder,
// and a week unpaid by then is released. "" when nothing is to pay.
func (ct *turn) forSeriesPayNote(as []tori.Appointment) string {
	a, ok := firstToPay(as)
	if !ok {
		return ""
	}
	return "\n\n" + ct.t("for.client_series_pay", map[string]any{
		"Due": ct.price(ct.lang, a.Due), "First": ct.when(ct.lang, a.PayBy),
		"Notice": ct.hours(ct.lang, ct.practice.Policy.FirstRefundBoundary()),
	})
}

// firstToPay is the first of as awaiting its payment; false when none is.
func firstToPay(as []tori.Appointment) (tori.Appointment, bool) {
	for _, a := range as {
		if a.Status == tori.StatusHeld && !a.PayBy.IsZero() {
			return a, true
		}
	}
	return tori.Appointment{}, false
}

// forSeriesBookedPay is what the practice is told of a series just booked
// whose weeks await their payment; "" when none does.
func (c *turn) forSeriesBookedPay(as []tori.Appointment) string {
	if _, ok := firstToPay(as); !ok {
		return ""
	}
	return "\n\n" + c.t("for.series_booked_pay", nil)
}

// forSeriesWeeks is series sr's sessions just booked by the practice: its
// weeks booked and those awaiting their payment, in time order.
func (c *turn) forSeriesWeeks(sr tori.Series) ([]tori.Appointment, bool) {
	all, err := c.bookings.Store.ClientAppointments(c.ctx, sr.Rule.Client.ID, c.now)
	if err != nil {
		c.fail("series weeks", err)
		return nil, false
	}
	var as []tori.Appointment
	for _, a := range all {
		if a.Series == sr.ID && (a.Upcoming(c.now) || a.AwaitingPayment(c.now)) {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		c.say("booking.gone")
		return nil, false
	}
	return as, true
}

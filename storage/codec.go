package storage

import (
	"cmp"
	"strconv"
	"time"

	"github.com/tori-bot/tori"
)

// encode writes an appointment as its hash's fields. The scripts read status,
// token, hold_until, start, end, buffer, client and seq; the rest is carried
// for the front ends.
func encode(a tori.Appointment) []any {
	f := []any{
		"id", a.ID,
		"therapist", a.TherapistID,
		"service", a.ServiceID,
		"client", a.Client.ID,
		"chat", a.Client.ChatID,
		"name", a.Client.Name,
		"username", a.Client.Username,
		"lang", a.Client.Lang,
		"start", ms(a.Start),
		"end", ms(a.End),
		"buffer", a.Buffer.Milliseconds(),
		"status", string(a.Status),
		"token", a.HoldToken,
		"hold_until", ms(a.HoldUntil),
		"price", a.Price.Amount,
		"currency", a.Price.Currency,
		"payment", string(a.Payment),
		"remote", boolField(a.Remote),
		"moves", a.Moves,
		"seq", a.Seq,
		"remind_from", ms(a.RemindFrom),
		"attending", boolField(a.Attending),
		"note", a.Note,
		"offer", a.Offer,
		"created_at", ms(a.CreatedAt),
		"updated_at", ms(a.UpdatedAt),

		// Payment and refund.
		"due", a.Due.Amount,
		"prepay", a.Prepay,
		"order_id", a.OrderID,
		"approve_url", a.ApproveURL,
		"pay_state", string(a.PayState),
		"declines", a.Declines,
		"refusals", a.Refusals,
		"paid", a.Paid.Amount,
		"pay_currency", a.Paid.Currency,
		"capture_id", a.CaptureID,
		"successor", a.Successor,
		"pay_msg", a.Message,
		"refund_due", a.RefundDue.Amount,
		"refund_state", string(a.RefundState),
		"refunded", a.Refunded.Amount,
		"refund_id", a.RefundID,
		"refund_tries", a.RefundTries,
		"forgiven", boolField(a.Forgiven),
	}

	if !a.Erased.IsZero() { // written by anonymiseScript; a new appointment has none
		f = append(f, "erased", ms(a.Erased))
	}
	if a.Series != "" { // an occurrence of a series (series.go); other appointments carry neither field
		f = append(f, "series", a.Series, "series_n", a.SeriesN)
	}
	if a.ByPractice {
		f = append(f, "by_practice", "1")
	}
	if !a.PayBy.IsZero() { // a booking awaiting its payment; others carry no pay_by
		f = append(f, "pay_by", ms(a.PayBy))
	}
	if a.PrepaidRest { // written by awaitPaymentScript
		f = append(f, "prepaid_rest", "1")
	}
	return f
}

func decode(m map[string]string) (tori.Appointment, error) {
	var bad error
	// What was captured, and so what is refunded, is in the capture's own
	// currency (pay_currency), which is not always the price's.
	payCur := cmp.Or(m["pay_currency"], m["currency"])

	num := func(k string) int64 {
		if m[k] == "" {
			return 0
		}
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil && bad == nil {
			bad = tori.WrapError(tori.EINTERNAL, err, "appointment %s: field %s is %q", m["id"], k, m[k])
		}
		return n
	}

	a := tori.Appointment{
		ID:          m["id"],
		TherapistID: m["therapist"],
		ServiceID:   m["service"],
		Client: tori.Client{
			ID:       num("client"),
			ChatID:   num("chat"),
			Name:     m["name"],
			Username: m["username"],
			Lang:     m["lang"],
		},
		Start:      fromMS(num("start")),
		End:        fromMS(num("end")),
		Buffer:     time.Duration(num("buffer")) * time.Millisecond,
		Status:     tori.Status(m["status"]),
		HoldToken:  m["token"],
		HoldUntil:  fromMS(num("hold_until")),
		Price:      tori.Money{Amount: num("price"), Currency: m["currency"]},
		Payment:    tori.PaymentMode(m["payment"]),
		Remote:     m["remote"] == "1",
		Moves:      m["moves"],
		Seq:        int(num("seq")),
		RemindFrom: fromMS(num("remind_from")),
		Attending:  m["attending"] == "1",
		Note:       m["note"],
		Offer:      m["offer"],
		CreatedAt:  fromMS(num("created_at")),
		UpdatedAt:  fromMS(num("updated_at")),

		Due:         tori.Money{Amount: num("due"), Currency: m["currency"]},
		Prepay:      m["prepay"],
		OrderID:     m["order_id"],
		ApproveURL:  m["approve_url"],
		PayState:    tori.PayState(m["pay_state"]),
		Declines:    int(num("declines")),
		Refusals:    int(num("refusals")),
		Paid:        tori.Money{Amount: num("paid"), Currency: payCur},
		CaptureID:   m["capture_id"],
		Successor:   m["successor"],
		Message:     int(num("pay_msg")),
		RefundDue:   tori.Money{Amount: num("refund_due"), Currency: payCur},
		RefundState: tori.RefundState(m["refund_state"]),
		Refunded:    tori.Money{Amount: num("refunded"), Currency: payCur},
		RefundID:    m["refund_id"],
		RefundTries: int(num("refund_tries")),
		// written only by refundFailedScript and refundReportedScript
		RefundTriedAt: fromMS(num("refund_tried_at")),
		RefundByHand:  m["refund_by_hand"] == "1",
		Forgiven:      m["forgiven"] == "1",
		Erased:        fromMS(num("erased")),
		Series:        m["series"],
		SeriesN:       int(num("series_n")),
		ByPractice:    m["by_practice"] == "1",
		PayBy:         fromMS(num("pay_by")),
		PrepaidRest:   m["prepaid_rest"] == "1",
	}
	return a, bad
}

// decode reads an appointment hash, its note opened with the store's keys.
func (s *Store) decode(m map[string]string) (tori.Appointment, error) {
	a, err := decode(m)
	a.Note, a.NoteLocked = s.Keys.openNote(a.ID, a.Note)
	return a, err
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

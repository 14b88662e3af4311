package web

import (
	"context"
	"net/http"
	"time"

	"github.com/tori-bot/tori"
)

// Payments serves the pages a buyer sees when PayPal sends them back and
// PayPal's webhook: PUBLIC_URL/paypal/return, /paypal/cancel and
// /paypal/webhook.
func (p *Pages) Payments() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /paypal/return", func(w http.ResponseWriter, r *http.Request) {
		p.render(w, p.paymentReturned(r))
	})
	mux.HandleFunc("GET /paypal/cancel", func(w http.ResponseWriter, r *http.Request) {
		p.render(w, p.paymentCancelled(r))
	})
	mux.HandleFunc("POST /paypal/webhook", func(w http.ResponseWriter, r *http.Request) {
		status := p.webhook(r)
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "60")
		}
		w.WriteHeader(status)
	})
	return mux
}

func orderParam(r *http.Request) (string, bool) {
	id := r.URL.Query().Get("token")
	if id == "" || len(id) > 64 {
		return "", false
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
	}
	return id, true
}

// paymentReturned finishes the payment of the order the buyer approved
// and says how it ended.
func (p *Pages) paymentReturned(r *http.Request) page {
	order, ok := orderParam(r)
	if !ok {
		return p.unknownPage()
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 45*time.Second)
	defer cancel()
	res, err := p.bookings.CompletePayment(ctx, order, nil)
	switch tori.ErrorCode(err) {
	case "":
	case tori.ENOTFOUND:
		return p.unknownPage()
	default:
		p.log.Warn("payment return: not finished yet", "order", order, "err", err)
		return p.notFinishedPage(ctx, order, err)
	}

	p.tellPayment(ctx, res)
	return p.outcomePage(res)
}

// notFinishedPage asks the buyer to come back in a moment: PayPal, or
// Redis (err), did not answer.
func (p *Pages) notFinishedPage(ctx context.Context, order string, err error) page {
	lang := p.practice.Language
	if a, err := p.bookings.Store.AppointmentByOrder(ctx, order); err == nil {
		lang = p.bot.LangOf(a)
	}

	body := "page.unavailable.body"
	if outage(err) {
		body = "page.unavailable.records" // Redis, not PayPal, did not answer
	}

	pg := p.newPage(lang, "⏳", "page.unavailable.title")
	pg.Lines = []string{p.text(lang, body, nil)}
	pg.Buttons = []pageButton{p.backButton(lang)}
	pg.Refresh = 20
	pg.status = http.StatusServiceUnavailable
	return pg
}

// tellPayment delivers what a payment result calls for, and records a
// settled payment's telling: told, or left for the worker to tell.
func (p *Pages) tellPayment(ctx context.Context, res tori.PaymentResult) {
	if res.Fresh && res.Settled() {
		_ = p.bot.TellSettled(ctx, p.send.Send, res)
		return
	}
	_ = p.send.Deliver(ctx, p.bot.PaymentReplies(ctx, res))
}

// plainPage is a return page that is an icon, a title and one line (the
// catalog's page.<key>.title and .body), perhaps with a button to pay again.
type plainPage struct {
	icon, key string
	payAgain  bool
}

// plainPages are the return pages of the outcomes that need no more.
var plainPages = map[tori.PaymentOutcome]plainPage{
	tori.PaidNow:        {"✅", "paid", false},
	tori.PaidTimeLost:   {"↩️", "lost", false},
	tori.PayTaken:       {"⌛", "taken", false},
	tori.PayDeclined:    {"⚠️", "declined", true},
	tori.PayPending:     {"⏳", "pending", false},
	tori.PayNotApproved: {"🕒", "not_approved", true},
}

func (p *Pages) outcomePage(res tori.PaymentResult) page {
	a := res.Appointment
	lang := p.bot.LangOf(a)
	facts := p.bot.PageFacts(lang, a)

	var pg page
	plain, ok := plainPages[res.Outcome]
	switch {
	case res.Outcome == tori.PaidNow && (a.Status == tori.StatusCancelledByClient || a.Status == tori.StatusCancelledByPractice):
		plain = plainPage{"✖", "booking_cancelled", false}
	case res.Outcome == tori.PaidMismatch || res.Outcome == tori.PayMismatchPending:
		pg = p.mismatchPage(lang, a, facts, res.Outcome == tori.PayMismatchPending)
	case !ok:
		plain = plainPage{"⌛", "expired", false}
	}
	if plain.key != "" {
		pg = p.newPage(lang, plain.icon, "page."+plain.key+".title")
		pg.Lines = []string{p.text(lang, "page."+plain.key+".body", facts)}
		if plain.payAgain {
			pg.Buttons = append(pg.Buttons, pageButton{Text: p.text(lang, "page.pay_again", facts), URL: a.ApproveURL})
		}
	}

	// Back to the chat comes last; every button but the first is secondary.
	pg.Buttons = append(pg.Buttons, p.backButton(lang))
	for i := 1; i < len(pg.Buttons); i++ {
		pg.Buttons[i].Secondary = true
	}
	return pg
}

// mismatchPage is the return page of a mismatched capture: what happened,
// and that what to do next is waiting in Telegram (the time still held,
// with a pay button, or other times to choose from). pending: PayPal has
// not completed it (the time was let go).
func (p *Pages) mismatchPage(lang string, a tori.Appointment, facts map[string]any, pending bool) page {
	if pending {
		pg := p.newPage(lang, "⚠️", "page.mismatch_pending.title")
		pg.Lines = []string{p.text(lang, "page.mismatch_pending.body", facts)}
		return pg
	}

	pg := p.newPage(lang, "↩️", "page.mismatch.title")
	facts["Refunded"] = a.RefundState == tori.RefundRefunded
	pg.Lines = []string{p.text(lang, "page.mismatch.body", facts)}
	return pg
}

// paymentCancelled is where PayPal sends a buyer who cancelled: the time
// is still held until the hold's end, and they can pay again.
func (p *Pages) paymentCancelled(r *http.Request) page {
	order, ok := orderParam(r)
	if !ok {
		return p.unknownPage()
	}

	a, err := p.bookings.Store.AppointmentByOrder(r.Context(), order)
	if err != nil {
		return p.unknownPage()
	}
	return p.cancelPage(a)
}

// cancelPage is the page of a buyer back from PayPal without paying for a.
func (p *Pages) cancelPage(a tori.Appointment) page {
	lang := p.bot.LangOf(a)
	facts := p.bot.PageFacts(lang, a)

	var pg page
	switch {
	case a.PayState == tori.PayStatePaid:
		return p.outcomePage(tori.PaymentResult{Outcome: tori.PaidNow, Appointment: a})
	case a.PayState == tori.PayStateMismatch:
		return p.outcomePage(tori.PaymentResult{Outcome: tori.PaidMismatch, Appointment: a})
	case a.PayState == tori.PayStateMismatchPending:
		return p.outcomePage(tori.PaymentResult{Outcome: tori.PayMismatchPending, Appointment: a})
	case a.Status == tori.StatusHeld && p.now().Before(a.HoldUntil):
		pg = p.newPage(lang, "🕒", "page.cancelled.title")
		pg.Lines = []string{p.text(lang, "page.cancelled.body", facts)}
		pg.Buttons = []pageButton{{Text: p.text(lang, "page.pay_again", facts), URL: a.ApproveURL}, p.backButton(lang)}
		pg.Buttons[1].Secondary = true
	default:
		pg = p.newPage(lang, "⌛", "page.expired.title")
		pg.Lines = []string{p.text(lang, "page.expired.body", facts)}
		pg.Buttons = []pageButton{p.backButton(lang)}
	}
	return pg
}

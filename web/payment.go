package bot

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
)

// The pages a buyer sees when PayPal sends them back, and the PayPal
// webhook: PUBLIC_URL/paypal/return, /paypal/cancel and /paypal/webhook.

// Deliverer sends replies outside of an update; Telegram satisfies it.
type Deliverer interface {
	// Deliver sends replies; an error when none went out and Telegram may
	// take them later (unreachable chats are not an error).
	Deliver(ctx context.Context, replies []Reply) error
	// Send sends one reply (ErrUnreachable: the chat cannot be written to).
	Send(ctx context.Context, r Reply) error
}

// WebhookParser verifies a payment provider's webhook request and returns
// its event: EFORBIDDEN for a bad signature, EINVALID for a malformed
// request or event, ELIMIT when too many were verified of late,
// EUNAVAILABLE when the provider could not be asked. It counts and logs
// its refusals itself. payments.PayPal satisfies it.
type WebhookParser interface {
	ParseWebhook(ctx context.Context, r *http.Request) (tori.PaymentEvent, error)
}

//go:embed pages/page.html
var pageFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(pageFiles, "pages/page.html"))

type pageButton struct {
	Text      string
	URL       string
	Secondary bool
}

type page struct {
	Lang, Dir, Practice, Mark, Title string
	Head                             string // the <title>
	Lines                            []string
	Buttons                          []pageButton
	Refresh                          int
	status                           int
}

// PaymentPages serves the return and cancel pages and the webhook.
func (b *Bot) PaymentPages(send Deliverer, hooks WebhookParser) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /paypal/return", func(w http.ResponseWriter, r *http.Request) {
		b.render(w, b.paymentReturned(r, send))
	})
	mux.HandleFunc("GET /paypal/cancel", func(w http.ResponseWriter, r *http.Request) {
		b.render(w, b.paymentCancelled(r))
	})
	mux.HandleFunc("POST /paypal/webhook", func(w http.ResponseWriter, r *http.Request) {
		status := b.webhook(r, send, hooks)
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "60")
		}
		w.WriteHeader(status)
	})
	return mux
}

func (b *Bot) render(w http.ResponseWriter, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if p.status != 0 {
		w.WriteHeader(p.status)
	}
	if err := pageTemplate.Execute(w, p); err != nil {
		b.log.Error("render page", "err", err)
	}
}

// pageText is a catalog message for a page: data is raw (the page template
// escapes the result).
func (b *Bot) pageText(lang, id string, data map[string]any) string { return b.cat.T(lang, id, data) }

func (b *Bot) newPage(lang, mark, titleID string) page {
	p := page{Lang: lang, Dir: bidi.Dir(lang), Practice: b.practice.Name, Mark: mark, Title: b.pageText(lang, titleID, nil)}
	p.Head = p.Title + " · " + isolate(lang, p.Practice)
	return p
}

func (b *Bot) backButton(lang string) pageButton {
	u := "https://t.me/"
	if b.username != "" {
		u += b.username
	}
	return pageButton{Text: b.pageText(lang, "page.back", nil), URL: u}
}

func (b *Bot) langOf(a tori.Appointment) string {
	if a.Client.Lang == "en" || a.Client.Lang == "he" {
		return a.Client.Lang
	}
	return b.practice.Language
}

// pageFacts are the values pages may show of a booking, unescaped (the
// page template escapes them). In Hebrew each is isolated as in the chat:
// times, ranges and amounts left to right, names and dates as they begin.
func (b *Bot) pageFacts(lang string, a tori.Appointment) map[string]any {
	s, _ := b.practice.Service(a.ServiceID)
	t, _ := b.practice.Therapist(a.TherapistID)
	return map[string]any{
		"Service":   isolate(lang, s.Name(lang, b.practice.Language)),
		"Therapist": isolate(lang, t.Name),
		"When":      isolate(lang, b.whenRange(lang, a.Start, a.End)),
		"Until":     isolate(lang, b.until(lang, a.HoldUntil, b.now())),
		"Paid":      ltr(lang, a.Paid.Format(lang)),
		"Due":       ltr(lang, a.Due.Format(lang)),
		"Pending":   a.RefundState == tori.RefundPending,
	}
}

// isolate keeps a raw value's own direction inside a right-to-left page.
func isolate(lang, s string) string {
	if bidi.RTL(lang) {
		return bidi.Auto(s)
	}
	return s
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

func (b *Bot) unknownPage() page {
	p := b.newPage(b.practice.Language, "🔎", "page.unknown.title")
	p.Lines = []string{b.pageText(p.Lang, "page.unknown.body", nil)}
	p.Buttons = []pageButton{b.backButton(p.Lang)}
	p.status = http.StatusNotFound
	return p
}

// paymentReturned finishes the payment of the order the buyer approved
// and says how it ended.
func (b *Bot) paymentReturned(r *http.Request, send Deliverer) page {
	order, ok := orderParam(r)
	if !ok {
		return b.unknownPage()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 45*time.Second)
	defer cancel()
	res, err := b.bookings.CompletePayment(ctx, order, nil)
	switch tori.ErrorCode(err) {
	case "":
	case tori.ENOTFOUND:
		return b.unknownPage()
	default:
		b.log.Warn("payment return: not finished yet", "order", order, "err", err)
		lang := b.practice.Language
		if a, err := b.bookings.Store.AppointmentByOrder(ctx, order); err == nil {
			lang = b.langOf(a)
		}
		body := "page.unavailable.body"
		if outage(err) {
			body = "page.unavailable.records" // Redis, not PayPal, did not answer
		}
		p := b.newPage(lang, "⏳", "page.unavailable.title")
		p.Lines = []string{b.pageText(lang, body, nil)}
		p.Buttons = []pageButton{b.backButton(lang)}
		p.Refresh = 20
		p.status = http.StatusServiceUnavailable
		return p
	}
	b.tellPayment(ctx, send, res)
	return b.outcomePage(res)
}

// tellPayment delivers what a payment result calls for, and records a
// settled payment's telling: told, or left for the worker to tell.
func (b *Bot) tellPayment(ctx context.Context, send Deliverer, res tori.PaymentResult) {
	if res.Fresh && res.Settled() {
		_ = b.tellSettled(ctx, send.Send, res)
		return
	}
	_ = send.Deliver(ctx, b.PaymentReplies(ctx, res))
}

func (b *Bot) outcomePage(res tori.PaymentResult) page {
	a := res.Appointment
	lang := b.langOf(a)
	facts := b.pageFacts(lang, a)
	var p page
	switch {
	case res.Outcome == tori.PaidNow && (a.Status == tori.StatusCancelledByClient || a.Status == tori.StatusCancelledByPractice):
		p = b.newPage(lang, "✖", "page.booking_cancelled.title")
		p.Lines = []string{b.pageText(lang, "page.booking_cancelled.body", facts)}
	case res.Outcome == tori.PaidNow:
		p = b.newPage(lang, "✅", "page.paid.title")
		p.Lines = []string{b.pageText(lang, "page.paid.body", facts)}
	case res.Outcome == tori.PaidMismatch || res.Outcome == tori.PayMismatchPending:
		p = b.mismatchPage(lang, a, facts, res.Outcome == tori.PayMismatchPending)
	case res.Outcome == tori.PaidTimeLost:
		p = b.newPage(lang, "↩️", "page.lost.title")
		p.Lines = []string{b.pageText(lang, "page.lost.body", facts)}
	case res.Outcome == tori.PayTaken:
		p = b.newPage(lang, "⌛", "page.taken.title")
		p.Lines = []string{b.pageText(lang, "page.taken.body", facts)}
	case res.Outcome == tori.PayDeclined:
		p = b.newPage(lang, "⚠️", "page.declined.title")
		p.Lines = []string{b.pageText(lang, "page.declined.body", facts)}
		p.Buttons = append(p.Buttons, pageButton{Text: b.pageText(lang, "page.pay_again", facts), URL: a.ApproveURL})
	case res.Outcome == tori.PayPending:
		p = b.newPage(lang, "⏳", "page.pending.title")
		p.Lines = []string{b.pageText(lang, "page.pending.body", facts)}
	case res.Outcome == tori.PayNotApproved:
		p = b.newPage(lang, "🕒", "page.not_approved.title")
		p.Lines = []string{b.pageText(lang, "page.not_approved.body", facts)}
		p.Buttons = append(p.Buttons, pageButton{Text: b.pageText(lang, "page.pay_again", facts), URL: a.ApproveURL})
	default:
		p = b.newPage(lang, "⌛", "page.expired.title")
		p.Lines = []string{b.pageText(lang, "page.expired.body", facts)}
	}
	p.Buttons = append(p.Buttons, b.backButton(lang))
	for i := 1; i < len(p.Buttons); i++ {
		p.Buttons[i].Secondary = true
	}
	return p
}

// paymentCancelled is where PayPal sends a buyer who cancelled: the time
// is still held until the hold's end, and they can pay again.
func (b *Bot) paymentCancelled(r *http.Request) page {
	order, ok := orderParam(r)
	if !ok {
		return b.unknownPage()
	}
	a, err := b.bookings.Store.AppointmentByOrder(r.Context(), order)
	if err != nil {
		return b.unknownPage()
	}
	return b.cancelPage(a)
}

// cancelPage is the page of a buyer back from PayPal without paying for a.
func (b *Bot) cancelPage(a tori.Appointment) page {
	lang := b.langOf(a)
	facts := b.pageFacts(lang, a)
	var p page
	switch {
	case a.PayState == tori.PayStatePaid:
		return b.outcomePage(tori.PaymentResult{Outcome: tori.PaidNow, Appointment: a})
	case a.PayState == tori.PayStateMismatch:
		return b.outcomePage(tori.PaymentResult{Outcome: tori.PaidMismatch, Appointment: a})
	case a.PayState == tori.PayStateMismatchPending:
		return b.outcomePage(tori.PaymentResult{Outcome: tori.PayMismatchPending, Appointment: a})
	case a.Status == tori.StatusHeld && b.now().Before(a.HoldUntil):
		p = b.newPage(lang, "🕒", "page.cancelled.title")
		p.Lines = []string{b.pageText(lang, "page.cancelled.body", facts)}
		p.Buttons = []pageButton{{Text: b.pageText(lang, "page.pay_again", facts), URL: a.ApproveURL}, b.backButton(lang)}
		p.Buttons[1].Secondary = true
	default:
		p = b.newPage(lang, "⌛", "page.expired.title")
		p.Lines = []string{b.pageText(lang, "page.expired.body", facts)}
		p.Buttons = []pageButton{b.backButton(lang)}
	}
	return p
}

// webhook handles one PayPal webhook delivery and returns the HTTP status:
// 400 for anything that does not verify (nothing changes), 200 once
// handled (or a duplicate), 429 (over the verification bound) or 500/503
// when PayPal should deliver it again.
func (b *Bot) webhook(r *http.Request, send Deliverer, hooks WebhookParser) int {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 45*time.Second)
	defer cancel()
	if hooks == nil {
		return http.StatusNotFound
	}
	ev, err := hooks.ParseWebhook(ctx, r)
	switch tori.ErrorCode(err) {
	case "":
	case tori.EFORBIDDEN, tori.EINVALID: // counted and logged by the parser, as are the others
		return http.StatusBadRequest
	case tori.ELIMIT:
		return http.StatusTooManyRequests
	default:
		return http.StatusServiceUnavailable
	}
	claimed, err := b.store.Claim(ctx, "pp", ev.ID, 2*time.Minute)
	if err != nil {
		b.logFailure("webhook claim", err, "event", ev.ID)
		return http.StatusServiceUnavailable
	}
	if !claimed {
		return http.StatusOK // handled before, or being handled now
	}
	res, replies, err := b.handleEvent(ctx, ev)
	if err != nil && tori.ErrorCode(err) != tori.ENOTFOUND {
		b.logFailure("webhook", err, "event", ev.ID, "type", ev.Type)
		_ = b.store.Forget(ctx, "pp", ev.ID)
		if outage(err) {
			return http.StatusServiceUnavailable
		}
		return http.StatusInternalServerError
	}
	if res != nil {
		b.tellPayment(ctx, send, *res)
	} else {
		_ = send.Deliver(ctx, replies) // a failure is logged; the event is not for retrying
	}
	if err := b.store.Finish(ctx, "pp", ev.ID, 30*24*time.Hour); err != nil {
		b.logFailure("webhook finish", err, "event", ev.ID)
	}
	return http.StatusOK
}

// handleEvent settles a webhook event: a payment result to tell of (see
// tellPayment), or replies to deliver.
func (b *Bot) handleEvent(ctx context.Context, ev tori.PaymentEvent) (*tori.PaymentResult, []Reply, error) {
	if ev.OrderID == "" && ev.CaptureID != "" && ev.Type != tori.EventCaptureRefunded {
		// A capture event without its order: find the order by the capture.
		if a, err := b.bookings.Store.AppointmentByCapture(ctx, ev.CaptureID); err == nil {
			ev.OrderID = a.OrderID
		}
	}
	switch ev.Type {
	case tori.EventOrderApproved:
		res, err := b.bookings.CompletePayment(ctx, ev.OrderID, nil)
		if err != nil {
			return nil, nil, err
		}
		return &res, nil, nil
	case tori.EventCaptureCompleted:
		res, err := b.bookings.CompletePayment(ctx, ev.OrderID, ev.Capture)
		if err != nil {
			return nil, nil, err
		}
		return &res, nil, nil
	case tori.EventCaptureDenied, tori.EventCaptureDeclined:
		a, fresh, err := b.bookings.PaymentDenied(ctx, ev.OrderID)
		if err != nil || !fresh {
			return nil, nil, err
		}
		res := tori.PaymentResult{Outcome: tori.PayDenied, Appointment: a, Fresh: true}
		return &res, nil, nil
	case tori.EventCaptureRefunded:
		if ev.Refund == nil {
			return nil, nil, nil
		}
		a, out, err := b.bookings.RefundSettled(ctx, ev.CaptureID, *ev.Refund)
		switch {
		case err != nil:
			return nil, nil, err
		case out == tori.RefundSettledNow:
			return nil, b.RefundDoneReplies(ctx, a), nil
		case out == tori.RefundShort:
			return nil, b.RefundShortReplies(ctx, a), nil
		}
		return nil, nil, nil
	}
	return nil, nil, nil
}

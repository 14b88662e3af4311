package web

import (
	"context"
	"net/http"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// webhook handles one PayPal webhook delivery and returns the HTTP status:
// 400 for anything that does not verify (nothing changes), 200 once
// handled (or a duplicate), 429 (over the verification bound) or 500/503
// when PayPal should deliver it again.
func (p *Pages) webhook(r *http.Request) int {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 45*time.Second)
	defer cancel()
	if p.hooks == nil {
		return http.StatusNotFound
	}

	ev, err := p.hooks.ParseWebhook(ctx, r)
	switch tori.ErrorCode(err) {
	case "":
	case tori.EFORBIDDEN, tori.EINVALID: // counted and logged by the parser, as are the others
		return http.StatusBadRequest
	case tori.ELIMIT:
		return http.StatusTooManyRequests
	default:
		return http.StatusServiceUnavailable
	}

	// Once only: the event is claimed, and finished once handled.
	claimed, err := p.store.Claim(ctx, "pp", ev.ID, 2*time.Minute)
	if err != nil {
		p.logFailure("webhook claim", err, "event", ev.ID)
		return http.StatusServiceUnavailable
	}
	if !claimed {
		return http.StatusOK // handled before, or being handled now
	}

	res, replies, err := p.handleEvent(ctx, ev)
	if err != nil && tori.ErrorCode(err) != tori.ENOTFOUND {
		p.logFailure("webhook", err, "event", ev.ID, "type", ev.Type)
		_ = p.store.Forget(ctx, "pp", ev.ID)
		if outage(err) {
			return http.StatusServiceUnavailable
		}
		return http.StatusInternalServerError
	}

	if res != nil {
		p.tellPayment(ctx, *res)
	} else {
		_ = p.send.Deliver(ctx, replies) // a failure is logged; the event is not for retrying
	}

	if err := p.store.Finish(ctx, "pp", ev.ID, 30*24*time.Hour); err != nil {
		p.logFailure("webhook finish", err, "event", ev.ID)
	}
	return http.StatusOK
}

// handleEvent settles a webhook event: a payment result to tell of (see
// tellPayment), or replies to deliver.
func (p *Pages) handleEvent(ctx context.Context, ev tori.PaymentEvent) (*tori.PaymentResult, []bot.Reply, error) {
	if ev.OrderID == "" && ev.CaptureID != "" && ev.Type != tori.EventCaptureRefunded {
		// A capture event without its order: find the order by the capture.
		if a, err := p.bookings.Store.AppointmentByCapture(ctx, ev.CaptureID); err == nil {
			ev.OrderID = a.OrderID
		}
	}

	switch ev.Type {
	case tori.EventOrderApproved:
		res, err := p.bookings.CompletePayment(ctx, ev.OrderID, nil)
		if err != nil {
			return nil, nil, err
		}
		return &res, nil, nil
	case tori.EventCaptureCompleted:
		res, err := p.bookings.CompletePayment(ctx, ev.OrderID, ev.Capture)
		if err != nil {
			return nil, nil, err
		}
		return &res, nil, nil
	case tori.EventCaptureDenied, tori.EventCaptureDeclined:
		a, fresh, err := p.bookings.PaymentDenied(ctx, ev.OrderID)
		if err != nil || !fresh {
			return nil, nil, err
		}
		res := tori.PaymentResult{Outcome: tori.PayDenied, Appointment: a, Fresh: true}
		return &res, nil, nil
	case tori.EventCaptureRefunded:
		replies, err := p.refundEvent(ctx, ev)
		return nil, replies, err
	}
	return nil, nil, nil
}

// refundEvent settles a refund PayPal reports: the replies for a refund
// now settled, or for one that came back short.
func (p *Pages) refundEvent(ctx context.Context, ev tori.PaymentEvent) ([]bot.Reply, error) {
	if ev.Refund == nil {
		return nil, nil
	}

	a, out, err := p.bookings.RefundSettled(ctx, ev.CaptureID, *ev.Refund)
	switch {
	case err != nil:
		return nil, err
	case out == tori.RefundSettledNow:
		return p.bot.RefundDoneReplies(ctx, a), nil
	case out == tori.RefundShort:
		return p.bot.RefundShortReplies(ctx, a), nil
	}
	return nil, nil
}

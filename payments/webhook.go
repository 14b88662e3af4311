package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
)

// The webhook events tori handles (subscribe to these in PayPal).
const (
	EventOrderApproved    = tori.EventOrderApproved
	EventCaptureCompleted = tori.EventCaptureCompleted
	EventCaptureDenied    = tori.EventCaptureDenied
	EventCaptureDeclined  = tori.EventCaptureDeclined
	EventCaptureRefunded  = tori.EventCaptureRefunded
)

type webhookEvent struct {
	ID        string          `json:"id"`
	EventType string          `json:"event_type"`
	Resource  json.RawMessage `json:"resource"`
}

type amountJSON struct {
	Currency string `json:"currency_code"`
	Value    string `json:"value"`
}

type resource struct {
	ID     string      `json:"id"`
	Status string      `json:"status"`
	Amount *amountJSON `json:"amount"`
	// A refund's breakdown: total_refunded_amount is what the capture has
	// had refunded to date, this refund included (PayPal's Payments v2).
	SellerPayableBreakdown struct {
		TotalRefunded *amountJSON `json:"total_refunded_amount"`
	} `json:"seller_payable_breakdown"`
	SupplementaryData struct {
		RelatedIDs struct {
			OrderID string `json:"order_id"`
		} `json:"related_ids"`
	} `json:"supplementary_data"`
	Links []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
}

// ParseWebhook verifies a webhook request with PayPal's
// verify-webhook-signature API and returns its event. A request without
// PayPal's transmission headers is EINVALID and PayPal is not asked; over
// the verification bound it is ELIMIT (the sender retries later).
// Anything but a SUCCESS verification is EFORBIDDEN (the library returns
// no error for a bad signature: the status must be checked). EUNAVAILABLE
// when PayPal could not be asked (the sender retries). Every refusal is
// counted and summed up in the log here, not by the caller.
func (p *PayPal) ParseWebhook(ctx context.Context, r *http.Request) (tori.PaymentEvent, error) {
	g := p.guard
	if p.cfg.WebhookID == "" {
		return tori.PaymentEvent{}, g.refuse("off", tori.Errorf(tori.EFORBIDDEN, "PAYPAL_WEBHOOK_ID is not set: webhooks cannot be verified"))
	}

	if err := g.checkTransmission(r.Header); err != nil {
		return tori.PaymentEvent{}, g.refuse("headers", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		return tori.PaymentEvent{}, g.refuse("body", tori.Errorf(tori.EINVALID, "webhook body: unreadable or over %d bytes", maxWebhookBody))
	}
	if !g.take() {
		return tori.PaymentEvent{}, g.refuse("limit", tori.Errorf(tori.ELIMIT, "more PayPal webhooks than %d a minute to verify: refused for now (PayPal delivers again)", int(g.size)))
	}

	r.Body = io.NopCloser(bytes.NewReader(body))
	v, err := p.c.VerifyWebhookSignature(ctx, r, p.cfg.WebhookID)
	if err != nil {
		metrics.WebhookVerifications.WithLabelValues("error").Inc()
		return tori.PaymentEvent{}, g.refuse("unverifiable", formatError("verify webhook", err))
	}
	if v.VerificationStatus != "SUCCESS" {
		metrics.WebhookVerifications.WithLabelValues("failure").Inc()
		return tori.PaymentEvent{}, g.refuse("signature", tori.Errorf(tori.EFORBIDDEN, "webhook signature verification: %s", v.VerificationStatus))
	}
	metrics.WebhookVerifications.WithLabelValues("success").Inc()

	ev, err := parseEvent(body)
	if err != nil {
		return tori.PaymentEvent{}, g.refuse("event", err)
	}
	return ev, nil
}

// parseEvent reads a verified webhook event: the ids and amounts tori needs.
func parseEvent(body []byte) (tori.PaymentEvent, error) {
	var ev webhookEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		return tori.PaymentEvent{}, tori.Errorf(tori.EINVALID, "webhook event is not PayPal's JSON")
	}

	out := tori.PaymentEvent{ID: ev.ID, Type: ev.EventType}
	var res resource
	if err := json.Unmarshal(ev.Resource, &res); err != nil {
		return tori.PaymentEvent{}, tori.WrapError(tori.EINVALID, err, "webhook resource: %v", err)
	}

	var amount tori.Money
	if res.Amount != nil {
		var err error
		if amount, err = money(res.Amount.Currency, res.Amount.Value); err != nil {
			return tori.PaymentEvent{}, tori.WrapError(tori.EINVALID, err, "webhook amount: %v", err)
		}
	}

	// What each kind of event says: the order, the capture, or the refund and its capture.
	switch ev.EventType {
	case EventOrderApproved:
		out.OrderID = res.ID
	case EventCaptureCompleted, EventCaptureDenied, EventCaptureDeclined:
		out.OrderID = res.SupplementaryData.RelatedIDs.OrderID
		out.CaptureID = res.ID
		out.Capture = &tori.Capture{ID: res.ID, Status: res.Status, Amount: amount}
	case EventCaptureRefunded:
		out.Refund = &tori.Refund{ID: res.ID, Status: res.Status, Amount: amount}
		if t := res.SellerPayableBreakdown.TotalRefunded; t != nil {
			if total, err := money(t.Currency, t.Value); err == nil { // else as if not said: the refunds are counted one by one
				out.Refund.Total = total
			}
		}
		for _, l := range res.Links {
			if l.Rel == "up" {
				if i := strings.LastIndex(l.Href, "/captures/"); i >= 0 {
					out.CaptureID = strings.TrimSuffix(l.Href[i+len("/captures/"):], "/")
				}
			}
		}
	}
	return out, nil
}

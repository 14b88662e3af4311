// Package payments takes money with PayPal (Orders v2, intent CAPTURE)
// through plutov/paypal. Every create, capture and refund carries a
// PayPal-Request-Id derived from the appointment id (order:<id>,
// capture:<id>, refund:<id>), so a retry, or a second process, gets the
// first result back instead of paying or refunding twice. PayPal's errors
// are translated to tori error codes in one place (formatError).
package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plutov/paypal/v4"
	"github.com/tori-bot/tori"
)

// Sandbox and Live are PayPal's API bases.
const (
	Sandbox = paypal.APIBaseSandBox
	Live    = paypal.APIBaseLive
)

// Config is how tori reaches PayPal.
type Config struct {
	ClientID  string
	Secret    string
	APIBase   string // Sandbox by default
	WebhookID string // the id PayPal gave the webhook at PUBLIC_URL/paypal/webhook
	ReturnURL string // PUBLIC_URL/paypal/return
	CancelURL string // PUBLIC_URL/paypal/cancel
	BrandName string // shown on PayPal's pages: the practice's name
	Timeout   time.Duration
	// VerifyPerMinute bounds the calls to PayPal's webhook verify API in
	// this process (DefaultVerifyPerMinute when 0).
	VerifyPerMinute int
	Now             func() time.Time // the verification bound's clock (time.Now when nil)
	Log             *slog.Logger     // the refused webhooks' summary line (slog.Default when nil)
}

// PayPal satisfies tori.PaymentGateway.
type PayPal struct {
	c     *paypal.Client
	cfg   Config
	guard *webhookGuard
}

// New builds the client with a timeout on every call.
func New(cfg Config) (*PayPal, error) {
	if cfg.APIBase == "" {
		cfg.APIBase = Sandbox
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}

	c, err := paypal.NewClient(cfg.ClientID, cfg.Secret, strings.TrimRight(cfg.APIBase, "/"))
	if err != nil {
		return nil, errors.New("PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are required for paid services: copy them from your PayPal app (developer.paypal.com > Apps & Credentials)")
	}

	// Connections kept for many payments at once: the default keeps two,
	// and a busy hour would open a new TLS connection to PayPal for most
	// calls.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 100, 100
	c.SetHTTPClient(&http.Client{Timeout: cfg.Timeout, Transport: tr})
	c.SetReturnRepresentation()
	return &PayPal{c: c, cfg: cfg, guard: newWebhookGuard(cfg)}, nil
}

var _ tori.PaymentGateway = (*PayPal)(nil)

// value writes an amount as PayPal wants it: "350.00".
func value(m tori.Money) string {
	d := tori.MinorDigits(m.Currency)
	if d == 0 {
		return fmt.Sprint(m.Amount)
	}

	unit := int64(1)
	for range d {
		unit *= 10
	}
	return fmt.Sprintf("%d.%0*d", m.Amount/unit, d, m.Amount%unit)
}

// money reads an amount PayPal reports, exactly: in the currency PayPal
// names (whatever it is: a capture in another currency than the order's
// must be seen as such, never read as the practice's), in that currency's
// minor units (JPY, HUF and TWD whole). Zeros past the minor digits
// ("5.00" yen) change nothing and are read; anything that would have to be
// rounded is refused.
func money(currency, v string) (tori.Money, error) {
	if whole, frac, ok := strings.Cut(v, "."); ok {
		d := tori.MinorDigits(strings.ToUpper(strings.TrimSpace(currency)))
		for len(frac) > d && strings.HasSuffix(frac, "0") {
			frac = frac[:len(frac)-1]
		}
		v = whole
		if frac != "" {
			v += "." + frac
		}
	}

	m, err := tori.ParseAmount(v, currency)
	if err != nil {
		return tori.Money{}, fmt.Errorf("paypal amount %q %s: %w", v, currency, err)
	}
	return m, nil
}

// CreateOrder implements tori.PaymentGateway.
func (p *PayPal) CreateOrder(ctx context.Context, a tori.Appointment, amount tori.Money) (tori.Order, error) {
	locale := "en-US"
	if a.Client.Lang == "he" {
		locale = "he-IL"
	}

	unit := paypal.PurchaseUnitRequest{
		ReferenceID: a.ID,
		CustomID:    a.ID,
		InvoiceID:   a.ID,
		Description: p.cfg.BrandName,
		Amount:      &paypal.PurchaseUnitAmount{Currency: amount.Currency, Value: value(amount)},
	}
	app := &paypal.ApplicationContext{
		BrandName:          p.cfg.BrandName,
		Locale:             locale,
		ShippingPreference: paypal.ShippingPreferenceNoShipping,
		UserAction:         paypal.UserActionPayNow,
		ReturnURL:          p.cfg.ReturnURL,
		CancelURL:          p.cfg.CancelURL,
	}

	o, err := p.c.CreateOrderWithPaypalRequestID(ctx, paypal.OrderIntentCapture, []paypal.PurchaseUnitRequest{unit}, nil, app, "order:"+a.ID)
	if err != nil {
		return tori.Order{}, formatError("create order", err)
	}
	return orderOf(o)
}

func orderOf(o *paypal.Order) (tori.Order, error) {
	out := tori.Order{ID: o.ID, Status: o.Status}
	for _, l := range o.Links {
		if l.Rel == "approve" || l.Rel == "payer-action" {
			out.ApproveURL = l.Href
		}
	}

	// The capture, once the order has one.
	for _, u := range o.PurchaseUnits {
		if u.Payments == nil {
			continue
		}
		for _, c := range u.Payments.Captures {
			cp, err := captureOf(c)
			if err != nil {
				return tori.Order{}, err
			}
			out.Capture = &cp
		}
	}
	return out, nil
}

func captureOf(c paypal.CaptureAmount) (tori.Capture, error) {
	out := tori.Capture{ID: c.ID, Status: c.Status}
	if c.Amount != nil {
		m, err := money(c.Amount.Currency, c.Amount.Value)
		if err != nil {
			return tori.Capture{}, err
		}
		out.Amount = m
	}
	return out, nil
}

// Capture implements tori.PaymentGateway.
func (p *PayPal) Capture(ctx context.Context, a tori.Appointment) (tori.Capture, error) {
	// PayPal answers a repeated request id with the first answer, so a
	// capture after a decline (the buyer approved again) needs a new id.
	rid := "capture:" + a.ID
	if a.Declines > 0 {
		rid = fmt.Sprintf("capture:%s:%d", a.ID, a.Declines+1)
	}

	res, err := p.capture(ctx, a.OrderID, rid)
	if err != nil {
		if issue(err) == "ORDER_ALREADY_CAPTURED" {
			o, gerr := p.Order(ctx, a.OrderID)
			if gerr != nil {
				return tori.Capture{}, gerr
			}
			if o.Capture != nil {
				return *o.Capture, nil
			}
		}
		return tori.Capture{}, formatError("capture", err)
	}

	for _, u := range res.PurchaseUnits {
		if u.Payments == nil || len(u.Payments.Captures) == 0 {
			continue
		}
		if c := u.Payments.Captures[0]; c.Amount != nil {
			return captureOf(c)
		}

		// A capture that does not say what it took: read it from the
		// order, never assume it.
		o, err := p.Order(ctx, a.OrderID)
		if err != nil {
			return tori.Capture{}, err
		}
		if o.Capture == nil || o.Capture.Amount.Currency == "" {
			break
		}
		return *o.Capture, nil
	}
	return tori.Capture{}, tori.Errorf(tori.EUNAVAILABLE, "PayPal answered the capture of order %s without a capture and its amount", a.OrderID)
}

// capture is the library's CaptureOrderWithPaypalRequestId without its
// first line: that one sets the client's shared "return representation"
// flag on every capture, a data race with every concurrent call, which
// would make captures wait for each other and for every other call. The
// flag is set once, in New, before the client is shared, and Send adds
// the Prefer header it stands for to every request, this one included.
func (p *PayPal) capture(ctx context.Context, orderID, requestID string) (*paypal.CaptureOrderResponse, error) {
	res := &paypal.CaptureOrderResponse{}
	req, err := p.c.NewRequest(ctx, http.MethodPost, p.c.APIBase+"/v2/checkout/orders/"+url.PathEscape(orderID)+"/capture", paypal.CaptureOrderRequest{})
	if err != nil {
		return res, err
	}
	req.Header.Set("PayPal-Request-Id", requestID)
	return res, p.c.SendWithAuth(req, res)
}

// Order implements tori.PaymentGateway.
func (p *PayPal) Order(ctx context.Context, orderID string) (tori.Order, error) {
	o, err := p.c.GetOrder(ctx, orderID)
	if err != nil {
		return tori.Order{}, formatError("get order", err)
	}
	return orderOf(o)
}

// Refund implements tori.PaymentGateway.
func (p *PayPal) Refund(ctx context.Context, a tori.Appointment, amount tori.Money) (tori.Refund, error) {
	req := paypal.RefundCaptureRequest{Amount: &paypal.Money{Currency: amount.Currency, Value: value(amount)}, InvoiceID: a.ID}

	// A retry after a timeout reuses the id (PayPal answers what it did);
	// after a refusal no money moved, and a new id asks again.
	rid := "refund:" + a.ID
	if a.Refusals > 0 {
		rid = fmt.Sprintf("refund:%s:%d", a.ID, a.Refusals+1)
	}

	r, err := p.c.RefundCaptureWithPaypalRequestId(ctx, a.CaptureID, req, rid)
	if err != nil {
		return tori.Refund{}, formatError("refund", err)
	}

	out := tori.Refund{ID: r.ID, Status: r.Status, Amount: amount}
	if r.Amount != nil {
		if m, err := money(r.Amount.Currency, r.Amount.Value); err == nil {
			out.Amount = m
		}
	}
	return out, nil
}

// issue returns the first detail issue of a PayPal error ("INSTRUMENT_DECLINED").
func issue(err error) string {
	var e *paypal.ErrorResponse
	if errors.As(err, &e) && len(e.Details) > 0 {
		return e.Details[0].Issue
	}
	return ""
}

// refusals are the issues with which PayPal says no and moves no money: a
// declined payment (the buyer may pay again) or a refused refund. Any other
// 4xx leaves the outcome unknown: the same request is retried, and PayPal
// answers what it did.
var refusals = map[string]bool{
	"INSTRUMENT_DECLINED": true, "PAYER_ACTION_REQUIRED": true, "TRANSACTION_REFUSED": true, "PAYER_CANNOT_PAY": true,
	"MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED": true, "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING": true, "CARD_EXPIRED": true,
	"COMPLIANCE_VIOLATION": true, "PAYEE_BLOCKED_TRANSACTION": true, "PAYER_ACCOUNT_RESTRICTED": true,
	"CAPTURE_FULLY_REFUNDED": true, "PENDING_CAPTURE": true, "PARTIAL_REFUND_NOT_ALLOWED": true, "CANNOT_PROCESS_REFUNDS": true,
}

// formatError is the one place PayPal's errors become tori's; each keeps
// PayPal's (or the network's) error as its cause.
func formatError(op string, err error) error {
	var e *paypal.ErrorResponse
	if errors.As(err, &e) {
		status := 0
		if e.Response != nil {
			status = e.Response.StatusCode
		}

		is := issue(err)
		what := fmt.Sprintf("PayPal %s: %d %s %s (debug id %s)", op, status, e.Name, is, e.DebugID)
		switch {
		case status == http.StatusNotFound:
			return tori.WrapError(tori.ENOTFOUND, err, "%s", what)
		case is == "ORDER_NOT_APPROVED":
			return tori.WrapError(tori.ECONFLICT, err, "%s", what)
		case refusals[is] || strings.HasPrefix(is, "REFUND_"):
			return tori.WrapError(tori.EDECLINED, err, "%s", what)
		case status == http.StatusBadRequest:
			return tori.WrapError(tori.EINTERNAL, err, "%s", what)
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return tori.WrapError(tori.EINTERNAL, err, "%s: check PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_API_BASE", what)
		}
		return tori.WrapError(tori.EUNAVAILABLE, err, "%s", what)
	}

	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return tori.WrapError(tori.EUNAVAILABLE, err, "PayPal %s did not answer: %v", op, err)
	}

	var tokenErr *json.SyntaxError
	if errors.As(err, &tokenErr) {
		return tori.WrapError(tori.EUNAVAILABLE, err, "PayPal %s answered something that is not JSON: %v", op, err)
	}
	return tori.WrapError(tori.EUNAVAILABLE, err, "PayPal %s: %v", op, err)
}

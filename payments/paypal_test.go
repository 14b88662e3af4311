package payments_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutov/paypal/v4"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
)

func setup(t *testing.T) (*payments.PayPal, *paypaltest.Server) {
	t.Helper()
	fake := paypaltest.New()
	t.Cleanup(fake.Close)
	p, err := payments.New(payments.Config{
		ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: fake.URL, WebhookID: paypaltest.WebhookID,
		ReturnURL: "https://tori.example/paypal/return", CancelURL: "https://tori.example/paypal/cancel",
		BrandName: "Test Practice", Timeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, fake
}

func appt(id string) tori.Appointment {
	return tori.Appointment{ID: id, Client: tori.Client{Lang: "he"}, Price: tori.Money{Amount: 35050, Currency: "ILS"}}
}

var ils = func(n int64) tori.Money { return tori.Money{Amount: n, Currency: "ILS"} }

func mustOrder(t *testing.T, p *payments.PayPal, a *tori.Appointment, amount tori.Money) tori.Order {
	t.Helper()
	o, err := p.CreateOrder(context.Background(), *a, amount)
	if err != nil {
		t.Fatal(err)
	}
	a.OrderID = o.ID
	return o
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if tori.ErrorCode(err) != want {
		t.Fatalf("error %v, want code %s", err, want)
	}
}

func TestPayAndRefund(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.aaaaaaaaaa")
	o := mustOrder(t, p, &a, ils(35050))
	if o.Status != "CREATED" || !strings.Contains(o.ApproveURL, "/checkoutnow?token="+o.ID) {
		t.Fatalf("order = %+v", o)
	}
	if fo, _ := fake.Order(o.ID); fo.Value != "350.50" || fo.Currency != "ILS" || fo.CustomID != a.ID {
		t.Fatalf("PayPal was asked for %+v", fo)
	}
	// The same appointment's order again is the same order (PayPal-Request-Id).
	if again := mustOrder(t, p, &a, ils(35050)); again.ID != o.ID {
		t.Fatalf("second create made order %s", again.ID)
	}
	_, err := p.Capture(ctx, a)
	code(t, err, tori.ECONFLICT) // ORDER_NOT_APPROVED: the buyer has not approved
	if err := fake.Approve(o.ID); err != nil {
		t.Fatal(err)
	}
	// A second appointment id for the same order gets ORDER_ALREADY_CAPTURED after
	// the first capture, and is answered with that capture.
	c, err := p.Capture(ctx, a)
	if err != nil || c.Status != "COMPLETED" || c.Amount != ils(35050) {
		t.Fatalf("capture = %+v, %v", c, err)
	}
	other := a
	other.ID = "adi.bbbbbbbbbb"
	c2, err := p.Capture(ctx, other)
	if err != nil || c2.ID != c.ID {
		t.Fatalf("capture of a captured order = %+v, %v", c2, err)
	}
	a.CaptureID = c.ID
	r, err := p.Refund(ctx, a, ils(17525))
	if err != nil || r.Amount != ils(17525) || r.Status != "COMPLETED" {
		t.Fatalf("refund = %+v, %v", r, err)
	}
	// The same refund asked again is the same refund, not a second one.
	if r2, err := p.Refund(ctx, a, ils(17525)); err != nil || r2.ID != r.ID {
		t.Fatalf("second refund = %+v, %v", r2, err)
	}
	if got := fake.Refunds(c.ID); len(got) != 1 || got[0].Value != "175.25" {
		t.Fatalf("PayPal refunds = %+v", got)
	}
	// More than what is left is refused.
	b := a
	b.ID = "adi.cccccccccc"
	_, err = p.Refund(ctx, b, ils(20000))
	code(t, err, tori.EDECLINED)
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("Declined", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.dddddddddd")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		fake.FailNext("capture", paypaltest.Declined)
		_, err := p.Capture(ctx, a)
		code(t, err, tori.EDECLINED)
		var pe *paypal.ErrorResponse // PayPal's answer stays under tori's error
		if !errors.As(err, &pe) || pe.Response == nil || pe.Response.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%v does not carry PayPal's 422 answer", err)
		}
		if fo, _ := fake.Order(o.ID); fo.Capture != nil {
			t.Fatal("a declined capture took money")
		}
	})
	t.Run("ServerError", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.eeeeeeeeee")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		fake.FailNext("capture", paypaltest.ServerError)
		_, err := p.Capture(ctx, a)
		code(t, err, tori.EUNAVAILABLE)
		if c, err := p.Capture(ctx, a); err != nil || c.Status != "COMPLETED" {
			t.Fatalf("retry = %+v, %v", c, err)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.ffffffffff")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		fake.FailNext("capture", paypaltest.Timeout)
		start := time.Now()
		_, err := p.Capture(ctx, a)
		code(t, err, tori.EUNAVAILABLE)
		var ne net.Error // and so does the network's timeout
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("%v does not carry the network's timeout", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the client timeout did not bound the call")
		}
	})
	t.Run("CaptureAnswerLost", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.gggggggggg")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		fake.FailNext("capture", paypaltest.AfterCommit)
		_, err := p.Capture(ctx, a)
		code(t, err, tori.EUNAVAILABLE)
		c, err := p.Capture(ctx, a) // the retry learns what happened
		fo, _ := fake.Order(o.ID)
		if err != nil || fo.Capture == nil || c.ID != fo.Capture.ID {
			t.Fatalf("retry = %+v, %v; PayPal has %+v", c, err, fo.Capture)
		}
	})
	t.Run("RefundAnswerLostThenRetried", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.hhhhhhhhhh")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		c, _ := p.Capture(ctx, a)
		a.CaptureID = c.ID
		fake.FailNext("refund", paypaltest.AfterCommit)
		_, err := p.Refund(ctx, a, ils(5000))
		code(t, err, tori.EUNAVAILABLE)
		if _, err := p.Refund(ctx, a, ils(5000)); err != nil {
			t.Fatal(err)
		}
		if got := fake.Refunds(c.ID); len(got) != 1 {
			t.Fatalf("%d refunds, want 1", len(got))
		}
	})
	t.Run("RefundRefused", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.iiiiiiiiii")
		o := mustOrder(t, p, &a, ils(10000))
		fake.Approve(o.ID)
		c, _ := p.Capture(ctx, a)
		a.CaptureID = c.ID
		fake.FailNext("refund", paypaltest.Refused)
		_, err := p.Refund(ctx, a, ils(5000))
		code(t, err, tori.EDECLINED)
	})
	t.Run("WrongCredentials", func(t *testing.T) {
		fake := paypaltest.New()
		defer fake.Close()
		p, _ := payments.New(payments.Config{ClientID: "x", Secret: "y", APIBase: fake.URL, Timeout: time.Second})
		_, err := p.CreateOrder(ctx, appt("adi.jjjjjjjjjj"), ils(100))
		if tori.ErrorCode(err) == "" || strings.Contains(err.Error(), paypaltest.Secret) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestConcurrentCaptures runs captures and lookups at once on one client
// (go test -race finds the library's shared flag if it is not guarded).
func TestConcurrentCaptures(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	var wg sync.WaitGroup
	for i := range 8 {
		a := appt("adi." + strings.Repeat(string(rune('k'+i)), 10))
		o := mustOrder(t, p, &a, ils(1000))
		fake.Approve(o.ID)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := p.Capture(ctx, a); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := p.Order(ctx, o.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestConnectionsKept: calls to PayPal many at a time reuse the
// connections they opened (live, each new one is a TLS handshake): over
// three rounds of 16 concurrent lookups, no more connections than one
// round's worth.
func TestConnectionsKept(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.cccccccccc")
	o := mustOrder(t, p, &a, ils(1000))
	for range 3 {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if _, err := p.Order(ctx, o.ID); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := fake.Connections(); n > 17 { // 16 at once, and the order's
		t.Fatalf("%d connections opened for 3 rounds of 16 calls at once, want at most 17", n)
	}
}

func TestWebhook(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.ssssssssss")
	o := mustOrder(t, p, &a, ils(35000))
	fake.Approve(o.ID)
	c, _ := p.Capture(ctx, a)

	req, id := fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureCompleted, fake.CaptureResource(o.ID), false)
	ev, err := p.ParseWebhook(ctx, req)
	if err != nil || ev.ID != id || ev.OrderID != o.ID || ev.Capture == nil || ev.Capture.ID != c.ID || ev.Capture.Amount != ils(35000) {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	req, _ = fake.Webhook("http://tori.test/paypal/webhook", payments.EventOrderApproved, fake.OrderResource(o.ID), false)
	if ev, err := p.ParseWebhook(ctx, req); err != nil || ev.OrderID != o.ID {
		t.Fatalf("approved event = %+v, %v", ev, err)
	}
	forged, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureCompleted, fake.CaptureResource(o.ID), true)
	_, err = p.ParseWebhook(ctx, forged)
	code(t, err, tori.EFORBIDDEN)
	// A body changed after signing fails too.
	tampered, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureCompleted, fake.CaptureResource(o.ID), false)
	body, _ := io.ReadAll(tampered.Body)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(string(body), "350.00", "1.00", 1)))
	_, err = p.ParseWebhook(ctx, tampered)
	code(t, err, tori.EFORBIDDEN)
	_ = http.MethodPost
}

// TestRefundWebhook: PAYMENT.CAPTURE.REFUNDED is read as the refund (its
// id, amount and capture) and, when PayPal says it, what the capture has
// had refunded to date; a total that cannot be read is as if unsaid.
func TestRefundWebhook(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.rrrrrrrrrr")
	o := mustOrder(t, p, &a, ils(35000))
	fake.Approve(o.ID)
	c, _ := p.Capture(ctx, a)
	if _, err := fake.ManualRefund(c.ID, "100.00"); err != nil {
		t.Fatal(err)
	}
	res, err := fake.ManualRefund(c.ID, "50.50")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureRefunded, res, false)
	ev, err := p.ParseWebhook(ctx, req)
	if err != nil || ev.CaptureID != c.ID || ev.Refund == nil || ev.Refund.ID != res["id"] || ev.Refund.Amount != ils(5050) || ev.Refund.Total != ils(15050) {
		t.Fatalf("event = %+v (refund %+v), %v", ev, ev.Refund, err)
	}
	res["seller_payable_breakdown"] = map[string]any{"total_refunded_amount": map[string]string{"currency_code": "ILS", "value": "1.234"}}
	req, _ = fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureRefunded, res, false)
	if ev, err := p.ParseWebhook(ctx, req); err != nil || ev.Refund.Amount != ils(5050) || ev.Refund.Total != (tori.Money{}) {
		t.Fatalf("event with an unreadable total = %+v, %v", ev.Refund, err)
	}
}

// TestSimultaneousSameRequestID: PayPal fails the second of two requests
// with one id in flight; that is "unknown", never a refusal (which would
// make the next try use a new id and refund twice).
func TestSimultaneousSameRequestID(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.tttttttttt")
	o := mustOrder(t, p, &a, ils(10000))
	fake.Approve(o.ID)
	c, _ := p.Capture(ctx, a)
	a.CaptureID = c.ID
	fake.FailNext("refund", paypaltest.Slow)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				time.Sleep(50 * time.Millisecond) // the second starts while the first is in flight
			}
			_, errs[i] = p.Refund(ctx, a, ils(5000))
		}()
	}
	wg.Wait()
	if errs[0] != nil || tori.ErrorCode(errs[1]) != tori.EUNAVAILABLE {
		t.Fatalf("errors %v", errs)
	}
	if rf := fake.Refunds(c.ID); len(rf) != 1 {
		t.Fatalf("%d refunds", len(rf))
	}
}

// TestCurrencies: a whole-unit currency goes to PayPal without decimals
// (which PayPal refuses for HUF, JPY and TWD), refunds included; a
// practice that would take a currency PayPal does not is refused at start.
func TestCurrencies(t *testing.T) {
	ctx := context.Background()
	p, fake := setup(t)
	a := appt("adi.hhhhhhhhhh")
	huf := func(n int64) tori.Money { return tori.Money{Amount: n, Currency: "HUF"} }
	a.Price = huf(3501)
	o := mustOrder(t, p, &a, huf(3501))
	if fo, _ := fake.Order(o.ID); fo.Value != "3501" || fo.Currency != "HUF" {
		t.Fatalf("PayPal was asked for %+v", fo)
	}
	if err := fake.Approve(o.ID); err != nil {
		t.Fatal(err)
	}
	c, err := p.Capture(ctx, a)
	if err != nil || c.Amount != huf(3501) {
		t.Fatalf("capture = %+v, %v", c, err)
	}
	a.CaptureID = c.ID
	half := a.Price.Percent(50) // rounded down to a whole forint
	if r, err := p.Refund(ctx, a, half); err != nil || r.Amount != huf(1750) {
		t.Fatalf("refund = %+v, %v", r, err)
	}

	practice := &tori.Practice{Services: []tori.Service{{ID: "talk", Payment: tori.PayNone, Price: tori.Money{Amount: 100, Currency: "KWD"}},
		{ID: "intake", Payment: tori.PayFull, Price: tori.Money{Amount: 35000, Currency: "ILS"}}}}
	if err := payments.CheckPractice(practice); err != nil {
		t.Fatalf("pay-at-session in KWD and prepaid in ILS: %v", err)
	}
	practice.Policy.RepeatCount = 3 // repeat offenders prepay, so talk too
	if err := payments.CheckPractice(practice); tori.ErrorCode(err) != tori.EINVALID || !strings.Contains(err.Error(), "talk") || !strings.Contains(err.Error(), "KWD") {
		t.Fatalf("err = %v, want talk and KWD named", err)
	}
	b := appt("adi.kkkkkkkkkk")
	_, err = p.CreateOrder(ctx, b, tori.Money{Amount: 100, Currency: "KWD"})
	if err == nil || !strings.Contains(err.Error(), "CURRENCY_NOT_SUPPORTED") {
		t.Fatalf("an order in KWD: %v", err)
	}
}

// TestCaptureOfAnotherAmount: what PayPal took is read exactly as PayPal
// reports it, in the capture's own currency and minor units (whole yen,
// forint and Taiwan dollars; a currency tori has no table for is kept as
// it is), from the capture's answer, the order and a signed webhook alike;
// and it is refunded in that currency. An amount that would have to be
// rounded is refused, never guessed.
func TestCaptureOfAnotherAmount(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		currency, value, refunded string
		want                      tori.Money
	}{
		{"ILS", "1.00", "1.00", ils(100)},
		{"USD", "350.50", "350.50", tori.Money{Amount: 35050, Currency: "USD"}},
		{"JPY", "5", "5", tori.Money{Amount: 5, Currency: "JPY"}},
		{"JPY", "5.00", "5", tori.Money{Amount: 5, Currency: "JPY"}},
		{"HUF", "3501", "3501", tori.Money{Amount: 3501, Currency: "HUF"}},
		{"TWD", "100", "100", tori.Money{Amount: 100, Currency: "TWD"}},
		{"XTS", "12.30", "12.30", tori.Money{Amount: 1230, Currency: "XTS"}},
	} {
		t.Run(tc.currency+" "+tc.value, func(t *testing.T) {
			p, fake := setup(t)
			a := appt("adi.mmmmmmmmmm")
			o := mustOrder(t, p, &a, ils(35050))
			if err := fake.SetAmount(o.ID, tc.currency, tc.value); err != nil {
				t.Fatal(err)
			}
			if err := fake.Approve(o.ID); err != nil {
				t.Fatal(err)
			}
			c, err := p.Capture(ctx, a)
			if err != nil || c.Amount != tc.want || c.Status != "COMPLETED" {
				t.Fatalf("capture = %+v, %v", c, err)
			}
			if got, err := p.Order(ctx, o.ID); err != nil || got.Capture == nil || got.Capture.Amount != tc.want {
				t.Fatalf("order = %+v, %v", got, err)
			}
			req, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventCaptureCompleted, fake.CaptureResource(o.ID), false)
			if ev, err := p.ParseWebhook(ctx, req); err != nil || ev.Capture == nil || ev.Capture.Amount != tc.want {
				t.Fatalf("webhook = %+v, %v", ev, err)
			}
			a.CaptureID = c.ID
			if r, err := p.Refund(ctx, a, c.Amount); err != nil || r.Amount != tc.want {
				t.Fatalf("refund = %+v, %v", r, err)
			}
			if rf := fake.Refunds(c.ID); len(rf) != 1 || rf[0].Currency != tc.currency || rf[0].Value != tc.refunded {
				t.Fatalf("refunds at PayPal: %+v", rf)
			}
		})
	}
	t.Run("NotExact", func(t *testing.T) {
		p, fake := setup(t)
		a := appt("adi.nnnnnnnnnn")
		o := mustOrder(t, p, &a, ils(35050))
		if err := fake.SetAmount(o.ID, "JPY", "5.5"); err != nil {
			t.Fatal(err)
		}
		if err := fake.Approve(o.ID); err != nil {
			t.Fatal(err)
		}
		if c, err := p.Capture(ctx, a); err == nil {
			t.Fatalf("5.5 yen read as %v", c.Amount)
		}
	})
}

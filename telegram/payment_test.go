package telegram_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// payButton returns the URL of the pay button on the chat's latest message.
func (c *tgUser) payButton() (telegramtest.Message, string) {
	c.l.t.Helper()
	msgs := withoutFiles(c.l.fake.Messages(c.u.ID))
	m := msgs[len(msgs)-1]
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.URL != "" {
				return m, b.URL
			}
		}
	}
	c.l.t.Fatalf("no URL button on %q", m.Text)
	return m, ""
}

// intakeLabels are the labels of the way to pay for an intake on
// Thursday 3/12, in each language the tests speak.
var intakeLabels = map[string]struct{ day, confirm, pay, booked string }{
	"en": {"Thu 3/12", "Confirm and pay", "Pay to confirm", "You're booked."},
	"he": {"ה׳ 3/12", "אישור ותשלום", "תשלום לאישור התור", "התור נקבע."},
}

// holdIntake takes c from /start intake to the pay message of Adi's intake
// on Thursday 3/12 at hm, and returns it with its pay button's URL.
func (c *tgUser) holdIntake(hm string) (telegramtest.Message, string) {
	c.l.t.Helper()
	lb := intakeLabels[c.u.LanguageCode]
	c.say("/start intake").press(lb.day).press(hm).press(lb.confirm).sees(lb.pay)
	return c.payButton()
}

// paidIntake books c's intake on Thursday 3/12 at 10:00 and pays for it:
// approved at PayPal, the buyer back on the return page, the client told.
// It returns the pay button's URL.
func (c *tgUser) paidIntake() string {
	c.l.t.Helper()
	_, approve := c.holdIntake("10:00")
	c.l.visit(approve)
	c.sees(intakeLabels[c.u.LanguageCode].booked)
	return approve
}

// intakeTaking is holdIntake with an order that PayPal will capture as
// value in currency, not the amount due; it returns the pay message, the
// order and the pay button's URL.
func (c *tgUser) intakeTaking(hm, currency, value string) (telegramtest.Message, string, string) {
	c.l.t.Helper()
	pay, approve := c.holdIntake(hm)
	order := c.l.orderOf(approve)
	if err := c.l.pp.SetAmount(order, currency, value); err != nil {
		c.l.t.Fatal(err)
	}
	return pay, order, approve
}

// visit is the buyer's browser: it follows redirects and returns the page.
func (l *live) visit(u string) (int, string) {
	l.t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (l *live) orderOf(approve string) string {
	_, id, _ := strings.Cut(approve, "token=")
	return id
}

// waitChat waits until the chat's messages satisfy ok.
func (l *live) waitChat(chat int64, what string, ok func([]telegramtest.Message) bool) []telegramtest.Message {
	l.t.Helper()
	msgs, err := l.fake.Wait(chat, wait, ok)
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
	return msgs
}

func (l *live) webhook(eventType string, resource map[string]any, forged bool) int {
	l.t.Helper()
	req, _ := l.pp.Webhook(l.web.URL+"/paypal/webhook", eventType, resource, forged)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPaidBookingEndToEnd: pay and confirm, return twice, webhook after,
// forged webhook, cancel with a partial refund of the exact amount.
func TestPaidBookingEndToEnd(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start intake").sees("Intake", "With Adi Levi")
	dana.press("Thu 3/12").press("10:00").sees("Price: ₪350.50, paid in full now with PayPal",
		"Cancel at least 48 hours before the session and you get a full refund.",
		"Later cancellations get 50% back up to 24 hours before, and nothing after that.",
		"Tap Confirm to pay ₪350.50 with PayPal")
	dana.press("Confirm and pay ₪350.50").sees("Pay to confirm your booking", "held for you until <b>10:15</b>")
	payMsg, approve := dana.payButton()
	if label := payMsg.Keyboard[0][0].Text; label != "💳 Pay ₪350.50 with PayPal" {
		t.Fatalf("pay button %q", label)
	}
	order := l.orderOf(approve)
	if o, _ := l.pp.Order(order); o.Value != "350.50" || o.Currency != "ILS" {
		t.Fatalf("PayPal was asked for %s %s", o.Value, o.Currency)
	}

	status, page := l.visit(approve) // approve at PayPal, come back
	if status != 200 || !strings.Contains(page, "Paid: your booking is confirmed") || !strings.Contains(shown(page), "Intake with Adi Levi, Thursday 3 December 2026, 10:00–11:00") ||
		!strings.Contains(page, `href="https://t.me/`+telegramtest.BotUsername+`"`) {
		t.Fatalf("return page %d:\n%s", status, page)
	}
	msgs := withoutFiles(l.waitChat(101, "confirmation", lastHas("You're booked.", "Price: ₪350.50, paid with PayPal")))
	if msgs[len(msgs)-1].ID != payMsg.ID {
		t.Fatal("the pay message was not turned into the confirmation")
	}
	l.waitChat(9001, "therapist notice", lastHas("תור חדש", "שולם ב־PayPal: \u2066350.50\u00a0₪\u2069"))

	// The buyer comes back again, and PayPal's webhook arrives: nothing new.
	if status, page := l.visit(l.web.URL + "/paypal/return?token=" + order + "&PayerID=X"); status != 200 || !strings.Contains(page, "Paid") {
		t.Fatalf("second return %d", status)
	}
	if code := l.webhook(payments.EventCaptureCompleted, l.pp.CaptureResource(order), false); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	if code := l.webhook(payments.EventCaptureCompleted, l.pp.CaptureResource(order), true); code != 400 {
		t.Fatalf("forged webhook answered %d", code)
	}
	l.settle() // a notice told twice would be in the chat by now
	if n := len(l.fake.Messages(9001)); n != 1 {
		t.Fatalf("the therapist got %d messages", n)
	}
	if n := l.pp.Calls("capture"); n != 1 {
		t.Fatalf("%d captures", n)
	}

	// Cancel 30 hours before: 50% back, exactly ₪175.25.
	l.clock.Set(time.Date(2026, 12, 2, 4, 0, 0, 0, l.p.Location))
	dana.say("/my").sees("Your upcoming bookings")
	dana.press("Cancel 1").sees("You are cancelling 30 hours before the session: under the cancellation policy 50% comes back, ₪175.25, to your PayPal account.")
	dana.press("Yes, cancel it").sees("Cancelled.", "₪175.25 has been refunded to your PayPal account.")
	l.waitChat(9001, "cancel notice", lastHas("ביטול על ידי הלקוח/ה", "החזר: \u2066175.25\u00a0₪\u2069"))
	o, _ := l.pp.Order(order)
	if rf := l.pp.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Value != "175.25" {
		t.Fatalf("refunds %+v", rf)
	}
}

// TestPaidHoldTakenBeforeReturn: the buyer took too long at PayPal and the
// time was taken meanwhile: nothing is captured and the client is told, in
// Hebrew, with the nearest free times.
func TestPaidHoldTakenBeforeReturn(t *testing.T) {
	l := startLive(t)
	omer, dana := l.user(102, "עומר", "he"), l.user(101, "Dana", "en")
	_, approve := omer.holdIntake("10:00")
	l.clock.Set(l.clock.Now().Add(20 * time.Minute))
	dana.say("/start talk").press("Adi Levi").press("Thu 3/12").press("10:00").press("Confirm").sees("You're booked.")

	status, page := l.visit(approve)
	if status != 200 || !strings.Contains(page, "המועד נתפס") || !strings.Contains(page, `dir="rtl"`) {
		t.Fatalf("page %d:\n%s", status, page)
	}
	omer.sees("השמירה על", "לא חויבתם", "אלה המועדים הפנויים הקרובים")
	if n := l.pp.Calls("capture"); n != 0 {
		t.Fatalf("%d captures for a lost time", n)
	}
}

// TestWebhookAndReturnRace: the approval webhook and the buyer's return
// arrive together; one capture, one confirmation, one notice.
func TestWebhookAndReturnRace(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	_, approve := dana.holdIntake("10:00")
	order := l.orderOf(approve)
	if err := l.pp.Approve(order); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			l.visit(l.web.URL + "/paypal/return?token=" + order)
		}()
		go func() {
			defer wg.Done()
			l.webhook(payments.EventOrderApproved, l.pp.OrderResource(order), false)
		}()
	}
	wg.Wait()
	l.waitChat(101, "confirmation", lastHas("You're booked."))
	l.waitChat(9001, "notice", func(ms []telegramtest.Message) bool { return len(ms) == 1 })
	l.settle()
	if n := l.pp.Calls("capture"); n < 1 || len(l.pp.Orders()) != 1 {
		t.Fatalf("captures %d, orders %d", n, len(l.pp.Orders()))
	}
	o, _ := l.pp.Order(order)
	if o.Capture == nil || len(l.fake.Messages(9011)) != 1 {
		t.Fatalf("capture %+v; second therapist id got %d messages", o.Capture, len(l.fake.Messages(9011)))
	}
}

// TestDeclinedThenPaidAndCancelPage: PayPal declines the first capture;
// the client is told and pays again. A buyer who cancels at PayPal sees the
// time is still held.
func TestDeclinedThenPaidAndCancelPage(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	_, approve := dana.holdIntake("10:00")
	order := l.orderOf(approve)

	status, page := l.visit(approve + "&cancel=1")
	if status != 200 || !strings.Contains(page, "Payment cancelled") || !strings.Contains(page, "is still held for you until 10:15") || !strings.Contains(page, "token="+order) {
		t.Fatalf("cancel page %d:\n%s", status, page)
	}
	l.pp.FailNext("capture", paypaltest.Declined)
	status, page = l.visit(approve)
	if status != 200 || !strings.Contains(page, "PayPal declined the payment") {
		t.Fatalf("declined page %d:\n%s", status, page)
	}
	dana.sees("PayPal declined the payment, so nothing was charged. The time is still held for you until <b>10:15</b>")
	_, again := dana.payButton()
	if status, page := l.visit(again); status != 200 || !strings.Contains(page, "Paid") {
		t.Fatalf("second try %d:\n%s", status, page)
	}
	dana.sees("You're booked.")
}

// TestTwoCancelsOfAPaidBooking: two presses of "Yes, cancel it" at once
// give one refund, and one message to the therapist.
func TestTwoCancelsOfAPaidBooking(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	approve := dana.paidIntake()
	dana.say("/my").sees("Your upcoming bookings")
	dana.press("Cancel 1").sees("Cancel this session?")
	msgs := withoutFiles(l.fake.Messages(101))
	m := msgs[len(msgs)-1]
	var q []string
	for range 2 {
		id, err := l.fake.Press(dana.u, m, "Yes, cancel it")
		if err != nil {
			t.Fatal(err)
		}
		q = append(q, id)
	}
	for _, id := range q {
		if _, err := l.fake.WaitAnswered(id, wait); err != nil {
			t.Fatal(err)
		}
	}
	dana.sees("Cancelled.", "₪350.50 has been refunded")
	l.waitChat(9001, "cancel notice", lastHas("ביטול על ידי הלקוח/ה"))
	o, _ := l.pp.Order(l.orderOf(approve))
	if rf := l.pp.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Value != "350.50" {
		t.Fatalf("refunds %+v", rf)
	}
	l.settle()
	if n := len(l.fake.Messages(9001)); n != 2 {
		t.Fatalf("the therapist got %d messages, want 2 (booked, cancelled)", n)
	}
}

// TestRefundFailureThenRetry: PayPal refuses the refund; the client is told
// it is recorded and retried; a retry succeeds, once.
func TestRefundFailureThenRetry(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	approve := dana.paidIntake()
	l.pp.FailNext("refund", paypaltest.Refused)
	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("A refund of ₪350.50 is recorded. PayPal has not confirmed it yet")
	l.waitChat(9001, "notice", lastHas("ממתין ב־PayPal"))
	var id string
	for _, a := range mustAppointments(t, l, 101) {
		id = a.ID
	}
	l.clock.Set(l.clock.Now().Add(tori.RefundBackoff(1)))
	a, err := l.bookings.IssueRefund(context.Background(), id) // what the worker does, after its pause
	if err != nil || a.RefundState != tori.RefundRefunded {
		t.Fatalf("retry: %+v, %v", a, err)
	}
	o, _ := l.pp.Order(l.orderOf(approve))
	if rf := l.pp.Refunds(o.Capture.ID); len(rf) != 1 {
		t.Fatalf("refunds %+v", rf)
	}
	// PayPal's REFUNDED webhook for it changes nothing more.
	res := map[string]any{"id": a.RefundID, "status": "COMPLETED", "amount": map[string]string{"currency_code": "ILS", "value": "350.50"},
		"links": []map[string]string{{"rel": "up", "href": l.pp.URL + "/v2/payments/captures/" + o.Capture.ID}}}
	if code := l.webhook(payments.EventCaptureRefunded, res, false); code != 200 {
		t.Fatalf("refund webhook %d", code)
	}
}

func mustAppointments(t testing.TB, l *live, client int64) []tori.Appointment {
	t.Helper()
	as, err := l.bookings.Store.ClientAppointments(context.Background(), client, time.Time{})
	if err != nil || len(as) == 0 {
		t.Fatalf("appointments: %v %v", as, err)
	}
	return as
}

// TestPaidRescheduleKeepsPayment: a prepaid booking moves without paying
// or refunding anything.
func TestPaidRescheduleKeepsPayment(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.paidIntake()
	dana.say("/my").press("Reschedule 1").press("Next week").press("Tue 8/12").press("15:00").sees("Move your session?")
	dana.press("Confirm the new time").sees("Your session has been moved.", "Tuesday 8 December 2026, 15:00–16:00")
	a := mustAppointments(t, l, 101)
	var live tori.Appointment
	for _, x := range a {
		if x.Status == tori.StatusConfirmed {
			live = x
		}
	}
	if live.Paid.Amount != 35050 || live.PayState != tori.PayStatePaid || len(l.pp.Orders()) != 1 || l.pp.Calls("capture") != 1 {
		t.Fatalf("after the move: %+v, %d orders", live, len(l.pp.Orders()))
	}
}

// TestDepositSummaryAndRefund: a deposit is what is paid now; cancelling
// returns the tier's share of the deposit.
func TestDepositSummaryAndRefund(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start couple").press("Thu 3/12").press("14:00").sees("Price: ₪600; a deposit of ₪180 now with PayPal, and ₪420 at the session")
	dana.press("Confirm and pay ₪180").sees("Pay to confirm")
	_, approve := dana.payButton()
	l.visit(approve)
	dana.sees("You're booked.", "a deposit of ₪180 paid with PayPal, and ₪420 at the session")
	l.waitChat(9002, "notice", lastHas("Paid with PayPal: ₪180; ₪420 to pay at the session"))
	l.clock.Set(time.Date(2026, 12, 2, 8, 0, 0, 0, l.p.Location)) // 30 hours before
	dana.say("/my").press("Cancel 1").sees("50% comes back, ₪90, to your PayPal account.")
}

func TestFirstLateCancellationForgiven(t *testing.T) {
	l := startLive(t)
	l.p.Policy.ForgiveFirstLate = true
	dana := l.user(101, "Dana", "en")
	dana.paidIntake()
	l.clock.Set(time.Date(2026, 12, 3, 0, 0, 0, 0, l.p.Location)) // 10 hours before
	dana.say("/my").press("Cancel 1").sees("which is a late cancellation. As it is your first, it is forgiven: everything comes back, ₪350.50, to your PayPal account.")
	dana.press("Yes, cancel it").sees("₪350.50 has been refunded")
	l.waitChat(9001, "notice", lastHas("ביטול מאוחר ראשון, שנמחל"))
}

// TestPracticeCancelsAPaidBooking: the practice cancels: full refund, an
// apology and the nearest times to rebook, in the client's language.
func TestPracticeCancelsAPaidBooking(t *testing.T) {
	l := startLive(t)
	omer := l.user(102, "עומר", "he")
	omer.paidIntake()
	id := mustAppointments(t, l, 102)[0].ID
	l.clock.Set(time.Date(2026, 12, 3, 8, 0, 0, 0, l.p.Location)) // two hours before: late, but it is the practice
	a, fresh, err := l.bookings.CancelByPractice(context.Background(), id)
	if err != nil || !fresh || a.Refunded.Amount != 35050 {
		t.Fatalf("= %+v %v", a, err)
	}
	replies := l.bot.PracticeCancelled(context.Background(), a)
	if len(replies) != 2 || replies[0].EditID != 0 || replies[1].Document == nil || !strings.Contains(string(replies[1].Document.Data), "METHOD:CANCEL") {
		t.Fatalf("replies %+v", replies)
	}
	text := replies[0].Text
	for _, want := range []string{"הפגישה שלכם בוטלה על ידי הקליניקה", "הוחזרו לחשבון ה־PayPal שלכם", "מתנצל/ת", "אלה המועדים הפנויים הקרובים"} {
		if !strings.Contains(text, want) {
			t.Fatalf("lacks %q:\n%s", want, text)
		}
	}
	if len(replies[0].Keyboard) < 2 {
		t.Fatalf("no times offered: %+v", replies[0].Keyboard)
	}
}

// TestPendingCaptureCompletedByWebhook: PayPal leaves the capture pending;
// its PAYMENT.CAPTURE.COMPLETED webhook confirms the booking (once).
// Another pending capture is denied: the client is told, the time freed.
func TestPendingCaptureCompletedByWebhook(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	_, approve := dana.holdIntake("10:00")
	order := l.orderOf(approve)
	l.pp.FailNext("capture", paypaltest.Pending)
	if _, page := l.visit(approve); !strings.Contains(page, "Your payment is being processed") {
		t.Fatalf("page:\n%s", page)
	}
	dana.sees("PayPal is still processing your payment of ₪350.50")
	l.pp.CompletePending(order)
	for range 2 { // delivered twice: handled once
		if code := l.webhook(payments.EventCaptureCompleted, l.pp.CaptureResource(order), false); code != 200 {
			t.Fatalf("webhook %d", code)
		}
	}
	dana.sees("You're booked.")
	l.waitChat(9001, "notice", func(ms []telegramtest.Message) bool { return len(ms) == 1 })

	omer := l.user(102, "Omer", "en")
	_, approve2 := omer.holdIntake("15:00")
	order2 := l.orderOf(approve2)
	l.pp.FailNext("capture", paypaltest.Pending)
	l.visit(approve2)
	omer.sees("still processing")
	res := l.pp.CaptureResource(order2)
	res["status"] = "DECLINED"
	if code := l.webhook(payments.EventCaptureDenied, res, false); code != 200 {
		t.Fatalf("denied webhook %d", code)
	}
	omer.sees("PayPal did not complete your payment", "nothing was charged")
	day := dana.say("/start intake").press("Thu 3/12").sees("choose a time")
	if !strings.Contains(fmt.Sprint(day.Keyboard), "15:00") {
		t.Fatal("the denied hold still blocks 15:00")
	}
}

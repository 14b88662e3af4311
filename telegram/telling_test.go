package telegram_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestPaymentToldOnceAfterTelegramFailed: the buyer pays while Telegram
// answers 500 to the edit that turns the pay message into the
// confirmation (new messages, the therapist's notice, would go through).
// The payment is recorded, but the client was not told, so it does not
// count as told, and the therapist is not told before the client. When
// the buyer comes back after Telegram recovered, the client and the
// therapist are each told once.
func TestPaymentToldOnceAfterTelegramFailed(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	_, approve := dana.holdIntake("10:00")
	order := l.orderOf(approve)

	l.fake.FailFor("editMessageText", 2*time.Second, 500, 0)
	if status, page := l.visit(approve); status != 200 || !strings.Contains(page, "Paid") {
		t.Fatalf("return page %d", status)
	}
	booked := func(ms []telegramtest.Message) int {
		n := 0
		for _, m := range ms {
			if strings.Contains(m.Text, "You're booked.") {
				n++
			}
		}
		return n
	}
	l.settle() // a notice sent would be in the chat by now
	if n := booked(l.fake.Messages(101)); n != 0 {
		t.Fatalf("the client was told %d times while Telegram failed", n)
	}
	if n := len(l.fake.Messages(9001)); n != 0 {
		t.Fatalf("the therapist was told before the client (%d messages)", n)
	}

	time.Sleep(2500 * time.Millisecond) // Telegram is back
	if status, page := l.visit(l.web.URL + "/paypal/return?token=" + order); status != 200 || !strings.Contains(page, "Paid") {
		t.Fatalf("second return page %d", status)
	}
	l.waitChat(101, "the confirmation", func(ms []telegramtest.Message) bool { return booked(ms) == 1 })
	l.waitChat(9001, "the therapist's notice", func(ms []telegramtest.Message) bool { return len(ms) == 1 })

	// A third return tells nobody again.
	l.visit(l.web.URL + "/paypal/return?token=" + order)
	time.Sleep(300 * time.Millisecond)
	l.settle()
	if n, m := booked(l.fake.Messages(101)), len(l.fake.Messages(9001)); n != 1 || m != 1 {
		t.Fatalf("told the client %d times, the therapist %d", n, m)
	}
	if n := l.pp.Calls("capture"); n < 1 {
		t.Fatalf("%d captures", n)
	}
	if o, _ := l.pp.Order(order); o.Capture == nil {
		t.Fatal("no capture")
	}
}

package telegram_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestErasureAfterALapsedOrder: a client who started paying and never did
// is refused erasure while PayPal could still take the money, and told
// to open /privacy again after an absolute time; at that time (no worker
// having looked at the order, so it is still among the open payments)
// the erasure goes through, and neither the order nor the time held for
// it leaves a trace in Redis.
func TestErasureAfterALapsedOrder(t *testing.T) {
	st := storagetest.MustStore(t)
	l := startLiveOn(t, st)
	ctx := context.Background()
	l.clock.Set(l.clock.Now().Add(30 * time.Second)) // the hold ends between two minutes
	wren := l.user(5987134611, "Wren", "en")

	wren.say("/start intake").sees("Intake", "With Adi Levi")
	wren.press("Thu 3/12").press("10:00").press("Confirm and pay")
	_, approve := wren.payButton()
	order := l.orderOf(approve)
	held, err := l.bookings.Store.AppointmentByOrder(ctx, order)
	if err != nil {
		t.Fatal(err)
	}

	// The hold ran out; PayPal could still take the money until then.
	lapses := held.HoldUntil.Add(tori.OrderLife)
	after := lapses.Truncate(time.Minute).Add(time.Minute)
	l.clock.Set(held.HoldUntil.Add(time.Minute))
	wren.say("/privacy").press("🗑 Erase my data").press("🗑 Yes, erase my data")
	wren.sees("I can't erase your data yet", "PayPal can still take it", "open /privacy again after Monday 30 November 2026, "+after.In(l.p.Location).Format("15:04"))

	// At the time given, it goes through.
	l.clock.Set(after)
	wren.say("/privacy").press("🗑 Erase my data").press("🗑 Yes, erase my data").sees("Your data has been erased.")
	if all := storagetest.AllText(t, st.Redis, st.Prefix); strings.Contains(all, order) || strings.Contains(all, held.ID) {
		t.Fatalf("the lapsed order or its hold is still in Redis:\n%s", all)
	}
}

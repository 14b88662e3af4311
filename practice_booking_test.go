package tori_test

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestBookForClient: the practice books Dana's talk at once (ByPractice);
// a second press finds that booking; another client's time is refused
// plainly, and so is a hold or time off.
func TestBookForClient(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	req := tori.PracticeBooking{TherapistID: "adi", ServiceID: "talk", Client: dana, Start: at(b, tue, "10:00")}
	a, fresh, err := b.BookForClient(ctx, req)
	if err != nil || !fresh || a.Status != tori.StatusConfirmed || !a.ByPractice || a.Payment != tori.PayNone {
		t.Fatalf("booked %+v %v", a, err)
	}
	again, fresh, err := b.BookForClient(ctx, req)
	if err != nil || fresh || again.ID != a.ID {
		t.Fatalf("second press = %+v %v, want %s", again, err, a.ID)
	}

	// Over another client's booking, a hold, time off: refused.
	other := req
	other.Client = omer
	if _, _, err := b.BookForClient(ctx, other); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("over Dana's booking = %v, want ECONFLICT", err)
	}
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "11:00"), 0); err != nil {
		t.Fatal(err)
	}
	other.Client, other.Start = dana, at(b, tue, "11:30")
	if _, _, err := b.BookForClient(ctx, other); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("over Omer's hold = %v, want ECONFLICT", err)
	}
	if _, err := b.Block(ctx, "adi", at(b, tue, "16:00"), at(b, tue, "17:00")); err != nil {
		t.Fatal(err)
	}
	other.Start = at(b, tue, "16:30")
	if _, _, err := b.BookForClient(ctx, other); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("over time off = %v, want ECONFLICT", err)
	}
}

// TestBookForClientWarns: outside working hours, sooner than the minimum
// notice, beyond the horizon and on a day off are warned of and booked only
// "anyway"; a time already past never.
func TestBookForClientWarns(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	for _, tc := range []struct {
		name  string
		start time.Time
		want  tori.Reason
	}{
		{"outside hours", at(b, tue, "20:00"), tori.ReasonOutsideHours},
		{"notice", c.t.Add(time.Hour), tori.ReasonNotice},
		{"horizon", at(b, tue.AddDays(90), "10:00"), tori.ReasonHorizon},
		{"friday", at(b, tue.AddDays(3), "10:00"), tori.ReasonOutsideHours},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := b.PracticeWarning("talk", "adi", tc.start)
			if err != nil || w != tc.want {
				t.Fatalf("warning = %q %v, want %q", w, err, tc.want)
			}
			req := tori.PracticeBooking{TherapistID: "adi", ServiceID: "talk", Client: dana, Start: tc.start}
			if _, _, err := b.BookForClient(ctx, req); tori.ErrorCode(err) != tori.EINVALID {
				t.Fatalf("without anyway = %v, want EINVALID", err)
			}
			req.Anyway = true
			if a, _, err := b.BookForClient(ctx, req); err != nil || a.Status != tori.StatusConfirmed {
				t.Fatalf("anyway = %+v %v", a, err)
			}
		})
	}
	past := tori.PracticeBooking{TherapistID: "adi", ServiceID: "talk", Client: dana, Start: c.t.Add(-time.Hour), Anyway: true}
	if _, _, err := b.BookForClient(ctx, past); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("in the past = %v, want EINVALID", err)
	}
}

// TestBookForClientPrepaid: a prepaid intake needs a choice; "at the
// session" is booked with nothing due; "pay button" is a hold until the
// deadline (24h, or the first refund boundary if sooner), in the hold
// expiry queue at that time; too close to the session, only "at the
// session" is possible.
func TestBookForClientPrepaid(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	st := storagetest.MustStore(t)
	b.Store = st
	req := tori.PracticeBooking{TherapistID: "adi", ServiceID: "intake", Client: dana, Start: at(b, tue.AddDays(7), "10:00")}
	if _, _, err := b.BookForClient(ctx, req); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("no choice = %v, want EINVALID", err)
	}

	req.Pay = tori.PayAtTheSession
	a, _, err := b.BookForClient(ctx, req)
	if err != nil || a.Status != tori.StatusConfirmed || a.Payment != tori.PayNone || a.Due.Amount != 0 || !a.PayBy.IsZero() {
		t.Fatalf("at the session = %+v %v", a, err)
	}

	req.Pay, req.Start = tori.PayByButton, at(b, tue.AddDays(8), "10:00")
	h, _, err := b.BookForClient(ctx, req)
	want := c.t.Add(24 * time.Hour).UTC()
	if err != nil || h.Status != tori.StatusHeld || h.Payment != tori.PayFull || !h.PayBy.Equal(want) || !h.HoldUntil.Equal(want) {
		t.Fatalf("pay button = %+v %v, want held until %s", h, err, want)
	}
	got, err := b.Store.Appointment(ctx, h.ID)
	if err != nil || !got.PayBy.Equal(want) || !got.ByPractice {
		t.Fatalf("stored %+v %v", got, err)
	}
	for _, tc := range []struct {
		now  time.Time
		want int
	}{{want.Add(-time.Minute), 0}, {want, 1}} {
		claims, err := st.ClaimDue(ctx, tori.QueueHoldExpiry, "adi", tc.now, time.Minute, 10)
		if err != nil || len(claims) != tc.want || tc.want == 1 && claims[0].Member != h.ID {
			t.Fatalf("hold expiry queue at %s = %+v %v, want %d", tc.now, claims, err, tc.want)
		}
	}

	// Wednesday 10:00 is 48h ahead: the refund boundary is now, too late for a button.
	req.Start = at(b, tue.AddDays(1), "10:00")
	if by, ok := b.PayDeadline(req.Start, c.t); ok {
		t.Fatalf("deadline %s offered at the boundary", by)
	}
	if _, _, err := b.BookForClient(ctx, req); tori.ErrorCode(err) != tori.ETOOLATE {
		t.Fatalf("pay button past the boundary = %v, want ETOOLATE", err)
	}
	// Wednesday 18:00: the boundary (Monday 18:00) comes before 24h are up.
	if by, ok := b.PayDeadline(at(b, tue.AddDays(1), "18:00"), c.t); !ok || !by.Equal(at(b, tue.AddDays(-1), "18:00").UTC()) {
		t.Fatalf("deadline = %s %v, want the boundary Monday 18:00", by, ok)
	}
}

// TestPracticeSlots: the practice's day shows the times clients see and
// the rest of the day (marked), never a booked time or time off.
func TestPracticeSlots(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	slots, err := b.PracticeSlots(ctx, "talk", "adi", tue, tue)
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]tori.Reason{}
	for _, s := range slots {
		marks[s.Start.In(b.Practice.Location).Format("15:04")] = s.Warn
	}
	for hm, want := range map[string]tori.Reason{"07:00": tori.ReasonOutsideHours, "09:00": "", "13:30": tori.ReasonOutsideHours, "21:00": tori.ReasonOutsideHours, "18:00": ""} {
		if got, ok := marks[hm]; !ok || got != want {
			t.Fatalf("%s = %q %v, want offered with %q (all: %v)", hm, got, ok, want, marks)
		}
	}
	for _, hm := range []string{"09:30", "10:00", "10:30", "21:30", "06:30"} {
		if _, ok := marks[hm]; ok {
			t.Fatalf("%s offered over Omer's hold or past the practice's day", hm)
		}
	}
}

// TestBookForClientAfterACut: a booking cut off between its hold and its
// confirmation (practice.after_hold) is booked by the second press, under
// its own id: not a second booking, not a conflict.
func TestBookForClientAfterACut(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	start := at(b, tue, "10:00")
	cut := tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "talk", Client: dana, Start: start.UTC(),
		End: start.Add(50 * time.Minute).UTC(), Buffer: 10 * time.Minute, Status: tori.StatusHeld, HoldToken: "tok123456789",
		HoldUntil: c.t.Add(10 * time.Minute), Payment: tori.PayNone, ByPractice: true, CreatedAt: c.t, UpdatedAt: c.t}
	if _, err := b.Store.Hold(ctx, cut, 10, c.t); err != nil {
		t.Fatal(err)
	}
	a, fresh, err := b.BookForClient(ctx, tori.PracticeBooking{TherapistID: "adi", ServiceID: "talk", Client: dana, Start: start})
	if err != nil || !fresh || a.ID != cut.ID || a.Status != tori.StatusConfirmed {
		t.Fatalf("second press = %+v %v, want %s booked", a, err, cut.ID)
	}
}

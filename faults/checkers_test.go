//go:build faults

package faults_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// recorder is a testing.TB that keeps what a checker reports instead of
// failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestCheckersSeePlantedFaults: the checkers the suite trusts report the
// faults they exist for when shown them on planted data (and nothing on
// clean data), so a fault suite that passes is not passing because its
// checkers cannot fail.
func TestCheckersSeePlantedFaults(t *testing.T) {
	at := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	appt := func(id, therapist string, status tori.Status, start time.Time, minutes int) tori.Appointment {
		return tori.Appointment{ID: id, TherapistID: therapist, Status: status, Start: start,
			End: start.Add(time.Duration(minutes) * time.Minute), Buffer: 10 * time.Minute, HoldUntil: time.Now().Add(time.Minute)}
	}
	// weekOf is week k (0 the first) of series s from at.
	weekOf := func(id, s string, status tori.Status, at time.Time, k int) tori.Appointment {
		a := appt(id, "adi", status, week(at, k), 50)
		a.Series = s
		return a
	}
	t.Run("overlap", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			as   []tori.Appointment
			errs int
		}{
			{"apart", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "adi", tori.StatusConfirmed, at.Add(time.Hour), 50)}, 0},
			{"overlapping", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "adi", tori.StatusConfirmed, at.Add(30*time.Minute), 50)}, 1},
			{"in the buffer", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "adi", tori.StatusConfirmed, at.Add(55*time.Minute), 50)}, 1},
			{"a live hold", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "adi", tori.StatusHeld, at, 50)}, 1},
			{"other therapists", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "noa", tori.StatusConfirmed, at, 50)}, 0},
			{"a cancelled one", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, at, 50), appt("b", "adi", tori.StatusCancelledByClient, at, 50)}, 0},
			{"a series' week over a booking", []tori.Appointment{appt("a", "adi", tori.StatusConfirmed, week(at, 3), 50), weekOf("b", "s1", tori.StatusConfirmed, at, 3)}, 1},
			{"two series in one week", []tori.Appointment{weekOf("a", "s1", tori.StatusConfirmed, at, 2), weekOf("b", "s2", tori.StatusConfirmed, at.Add(20*time.Minute), 2)}, 1},
			{"a series' held week", []tori.Appointment{weekOf("a", "s1", tori.StatusConfirmed, at, 5), weekOf("b", "s2", tori.StatusHeld, at, 5)}, 1},
			{"two series a week apart", []tori.Appointment{weekOf("a", "s1", tori.StatusConfirmed, at, 1), weekOf("b", "s2", tori.StatusConfirmed, at, 2)}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := &recorder{TB: t}
				w := &world{t: r}
				w.checkNoOverlap(tc.as)
				if len(r.errs) != tc.errs {
					t.Fatalf("reported %d, want %d: %q", len(r.errs), tc.errs, r.errs)
				}
			})
		}
	})

	t.Run("series weeks", func(t *testing.T) {
		as := []tori.Appointment{weekOf("a", "s1", tori.StatusConfirmed, at, 0), weekOf("b", "s1", tori.StatusConfirmed, at, 1),
			weekOf("c", "s2", tori.StatusConfirmed, at, 2), weekOf("d", "s2", tori.StatusCancelledByClient, at, 3), appt("e", "adi", tori.StatusConfirmed, at, 50)}
		for _, tc := range []struct {
			name             string
			practice, chat   int64
			errs, weeksInAll int
		}{
			{"as told", 1, 2, 0, 3},
			{"one more than told", 1, 1, 1, 3},
			{"one fewer than told", 2, 2, 1, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := &recorder{TB: t}
				sr := &seriesRace{}
				sr.taken.Store(1)
				sr.lost.Store(1)
				sr.weeks.Store(tc.practice)
				if n := sr.check(r, as, int(tc.chat)); n != tc.weeksInAll {
					t.Errorf("counted %d weeks, want %d", n, tc.weeksInAll)
				}
				if len(r.errs) != tc.errs {
					t.Fatalf("reported %d, want %d: %q", len(r.errs), tc.errs, r.errs)
				}
			})
		}
	})

	t.Run("money", func(t *testing.T) {
		ctx := context.Background()
		pp := paypaltest.New()
		defer pp.Close()
		client, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: pp.URL,
			ReturnURL: "http://tori.test/paypal/return", CancelURL: "http://tori.test/paypal/cancel", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		price := tori.Money{Amount: 35000, Currency: "ILS"}
		// paid books one appointment and pays it at the fake PayPal; refunds
		// are issued under as many different request ids.
		paid := func(id string, refunds int) tori.Appointment {
			a := appt(id, "adi", tori.StatusConfirmed, at, 50)
			a.Due, a.Price = price, price
			o, err := client.CreateOrder(ctx, a, price)
			if err != nil {
				t.Fatal(err)
			}
			a.OrderID = o.ID
			if err := pp.Approve(o.ID); err != nil {
				t.Fatal(err)
			}
			c, err := client.Capture(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			a.CaptureID, a.Paid, a.PayState = c.ID, price, tori.PayStatePaid
			for i := range refunds {
				b := a
				b.ID = fmt.Sprintf("%s%d", id, i)
				if _, err := client.Refund(ctx, b, tori.Money{Amount: 100, Currency: "ILS"}); err != nil {
					t.Fatal(err)
				}
			}
			return a
		}
		good := paid("adi.good000000", 0)
		paid("adi.lost000000", 0) // captured at PayPal; no appointment is given to the checker
		twice := paid("adi.twice00000", 2)
		twice.Status, twice.RefundState = tori.StatusCancelledByClient, tori.RefundRefunded
		noCapture := appt("adi.nocap00000", "adi", tori.StatusConfirmed, at, 50)
		noCapture.Due, noCapture.OrderID = price, "ORDER-NONE"

		r := &recorder{TB: t}
		w := &world{t: r, pp: pp}
		if n := w.checkMoney([]tori.Appointment{good, twice, noCapture}); n != 2 {
			t.Errorf("counted %d confirmed paid bookings, want 2", n)
		}
		for _, want := range []string{"adi.nocap00000", "no appointment has", "2 refunds at PayPal"} {
			found := false
			for _, e := range r.errs {
				found = found || strings.Contains(e, want)
			}
			if !found {
				t.Errorf("no report naming %q in %q", want, r.errs)
			}
		}
		if len(r.errs) != 3 {
			t.Errorf("reported %d, want 3: %q", len(r.errs), r.errs)
		}

		clean := &recorder{TB: t}
		pp2 := paypaltest.New()
		defer pp2.Close()
		w = &world{t: clean, pp: pp2}
		w.checkMoney(nil)
		if len(clean.errs) != 0 {
			t.Errorf("nothing at PayPal, nothing booked: reported %q", clean.errs)
		}
	})
}

// week is at, k weeks later, at the same wall-clock time.
func week(at time.Time, k int) time.Time { return at.AddDate(0, 0, 7*k) }

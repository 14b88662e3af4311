package scheduler

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestRetention: with the clock past privacy.keep_personal after a
// session, the worker removes its personal details (who, the note) and
// keeps what the money law asks (amounts, dates, PayPal ids); a client left
// with nothing is forgotten; past privacy.keep_money_records the record
// goes, with its PayPal indexes. A session that ended later is not
// touched; two workers do each step once.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana, omer := client(101), client(102)
	dana.Username = "dana_l"
	tue := mon.AddDays(1)

	talk := e.book(dana, "talk", e.clock.At(tue, "10:00"))
	paid := e.paid(dana, e.clock.At(tue, "12:00"))
	later := e.book(omer, "talk", e.clock.At(tue.AddDays(2), "10:00"))
	if _, err := e.bookings.SetNote(ctx, talk.ID, "a private note"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.At(tue, "10:30"))
	if _, err := e.bookings.MarkNoShow(ctx, talk.ID); err != nil {
		t.Fatal(err)
	}

	// Not yet: 24 months after Dana's sessions, less a day.
	e.clock.Set(paid.End.AddDate(0, 24, -1))
	if n := e.run(e.worker.retain); n != 0 {
		t.Fatalf("retained %d too early", n)
	}
	e.clock.Set(paid.End.AddDate(0, 24, 0).Add(time.Hour))
	other := New(Config{Practice: e.p, Bookings: e.bookings, Store: e.store, Notify: e.worker.cfg.Notify, Now: e.clock.Now, Log: e.worker.cfg.Log})
	if n := e.run(other.retain) + e.run(e.worker.retain); n != 2 {
		t.Fatalf("retained %d, want Dana's 2 once", n)
	}
	for _, id := range []string{talk.ID, paid.ID} {
		a, err := e.store.Appointment(ctx, id)
		if err != nil || a.Client != (tori.Client{}) || a.Note != "" || a.Erased.IsZero() || a.Start.IsZero() || a.Price.Amount == 0 {
			t.Fatalf("anonymised %s: %+v %v", id, a, err)
		}
	}
	a, _ := e.store.Appointment(ctx, paid.ID)
	if a.Paid != paid.Paid || a.CaptureID != paid.CaptureID || a.OrderID != paid.OrderID {
		t.Fatalf("the money record lost its money: %+v", a)
	}
	if by, err := e.store.AppointmentByCapture(ctx, paid.CaptureID); err != nil || by.ID != paid.ID {
		t.Fatalf("the capture's index: %v", err)
	}
	if n, _ := e.store.Strikes(ctx, dana.ID, time.Time{}); n != 0 {
		t.Fatalf("%d strikes left", n)
	}
	if r, _ := e.worker.cfg.Privacy.Record(ctx, dana); r.Client.Name != "" || len(r.Appointments) != 0 {
		t.Fatalf("Dana is not forgotten: %+v", r)
	}
	if _, err := e.store.ClientByUsername(ctx, "dana_l"); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("her @username still leads to her: %v", err)
	}
	if a, _ := e.store.Appointment(ctx, later.ID); a.Client.ID != omer.ID {
		t.Fatalf("a later session was touched: %+v", a)
	}

	// 7 years after its session (its last money movement): the money
	// record goes. (Omer's session, two days later, is anonymised now.)
	e.clock.Set(paid.End.AddDate(7, 0, 0).Add(time.Hour))
	if n := e.run(e.worker.retain); n != 3 {
		t.Fatalf("did %d, want Dana's 2 removed and Omer's anonymised", n)
	}
	for _, id := range []string{talk.ID, paid.ID} {
		if _, err := e.store.Appointment(ctx, id); tori.ErrorCode(err) != tori.ENOTFOUND {
			t.Fatalf("%s kept after 7 years: %v", id, err)
		}
	}
	if _, err := e.store.AppointmentByOrder(ctx, paid.OrderID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("the order's index: %v", err)
	}
	if _, err := e.store.AppointmentByCapture(ctx, paid.CaptureID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("the capture's index: %v", err)
	}
}

// TestErasureFinishedByTheWorker: an erasure whose process died after its
// check is finished by the worker's job, and swept and closed after
// tori.SweepAfter.
func TestErasureFinishedByTheWorker(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.book(dana, "talk", e.clock.At(mon.AddDays(1), "10:00"))
	e.clock.Set(a.End.Add(time.Hour))
	st := e.worker.cfg.Privacy.Store
	e.cutShort(dana, "en", "adi")
	if n := e.run(e.worker.finishErasures); n != 0 {
		t.Fatalf("finished %d before it was due", n)
	}
	e.clock.Add(time.Minute)
	e.run(e.worker.finishErasures)
	if got, _ := e.store.Appointment(ctx, a.ID); got.Client.ID != 0 {
		t.Fatalf("not erased: %+v", got)
	}
	if rec, err := st.Erasure(ctx, dana.ID); err != nil || rec.Phase != tori.ErasureSweep {
		t.Fatalf("after the erasure: %+v %v", rec, err)
	}
	e.clock.Add(tori.SweepAfter)
	if n := e.run(e.worker.finishErasures); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if _, err := st.Erasure(ctx, dana.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("the record is left: %v", err)
	}
}

// TestOfferPassesAnErasingClientBy: a time freed while a client on the
// waitlist is being erased goes to the next in line; no hold is made in
// the erasing client's name.
func TestOfferPassesAnErasingClientBy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana, w1, w2 := client(101), client(201), client(202)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.join(w1, "talk", "adi", thu, thu, tori.AnyTime)
	e.join(w2, "talk", "adi", thu, thu, tori.AnyTime)
	st := e.worker.cfg.Privacy.Store
	if _, err := st.BeginErasure(ctx, w1, e.clock.Now().Add(time.Minute), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.cancel(dana, a.ID)
	e.run(e.worker.offerFreedTimes)
	if n, _ := e.offers(w1.ID); n != 0 {
		t.Fatalf("the erasing client was offered the time %d times", n)
	}
	if n, _ := e.offers(w2.ID); n != 1 {
		t.Fatalf("the next in line was offered it %d times", n)
	}
	if as, _ := e.store.ClientAppointments(ctx, w1.ID, time.Time{}); len(as) != 0 {
		t.Fatalf("a hold in the erasing client's name: %+v", as)
	}
}

// TestRetentionForgetsIdleClients: clients who never had a booking go
// through — one who let a held time lapse, one who was only on the
// waitlist (the entry has ended), one who only chose a language — are
// forgotten privacy.keep_personal after they were last active: nothing of
// them is left (but the lapsed hold's record, which expires by itself). A
// client with a booking still kept is not; clients stored before activity
// was recorded are given a period from the first pass.
func TestRetentionForgetsIdleClients(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	lapsed, waiter, speaker, keeper, old := client(201), client(202), client(203), client(204), client(205)
	lapsed.Username, waiter.Username = "lapsed_u", "waiter_u"
	tue := mon.AddDays(1)

	h, err := e.bookings.Hold(ctx, lapsed, "talk", "adi", e.clock.At(tue, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.join(waiter, "talk", "adi", tue, tue, tori.AnyTime)
	if err := e.store.SetLanguage(ctx, speaker.ID, "he", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	kept := e.book(keeper, "talk", e.clock.At(tue.AddDays(2), "10:00"))
	// A client stored before activity was recorded (a profile only).
	if err := e.store.Redis.HSet(ctx, e.store.Prefix+"{c:205}:profile", "lang", "en", "name", "Client 205").Err(); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(h.HoldUntil.Add(time.Minute))
	e.run(e.worker.expireHolds)
	// The first retention pass, a month on, gives the old client a period.
	e.clock.Set(mon.At(10*60, e.p.Location).AddDate(0, 1, 0))
	if n := e.run(e.worker.retain); n != 0 {
		t.Fatalf("retained %d at once", n)
	}

	// 24 months after they were last active, less a day: not yet.
	e.clock.Set(mon.At(10*60, e.p.Location).AddDate(0, 24, -1))
	if n := e.run(e.worker.retain); n != 0 {
		t.Fatalf("retained %d too early", n)
	}
	e.clock.Set(mon.At(10*60, e.p.Location).AddDate(0, 24, 0).Add(time.Hour))
	if n := e.run(e.worker.retain); n != 3 {
		t.Fatalf("retained %d, want the 3 idle clients forgotten", n)
	}
	holdKey := e.store.Prefix + "{t:adi}:a:" + h.ID
	if ttl := e.store.Redis.PTTL(ctx, holdKey).Val(); ttl <= 0 {
		t.Fatalf("the lapsed hold's record does not expire: %v", ttl)
	}
	for _, c := range []tori.Client{lapsed, waiter, speaker} {
		if left := traces(t, e, c, holdKey); len(left) > 0 {
			t.Errorf("%s left: %v", c.Name, left)
		}
	}
	if a, _ := e.store.Appointment(ctx, kept.ID); a.Client.ID != keeper.ID {
		t.Fatalf("a kept booking was touched: %+v", a)
	}
	if r, _ := e.worker.cfg.Privacy.Record(ctx, keeper); r.Client.Name != keeper.Name || len(r.Appointments) != 1 {
		t.Fatalf("the client with a kept booking was forgotten: %+v", r)
	}
	if len(traces(t, e, old, "")) == 0 {
		t.Fatal("the client stored before activity was recorded went with the others")
	}
	// A period after the first pass, they go too.
	e.clock.Set(mon.At(10*60, e.p.Location).AddDate(0, 25, 0).Add(time.Hour))
	e.run(e.worker.retain)
	if left := traces(t, e, old, ""); len(left) > 0 {
		t.Errorf("the old client left: %v", left)
	}
}

// traces lists what Redis still holds about c (storagetest.AllText): keys
// of their own, and values that name them (their id as a member or
// value, their name or @username inside one); skip is a key left out.
func traces(t *testing.T, e *env, c tori.Client, skip string) []string {
	t.Helper()
	id := strconv.FormatInt(c.ID, 10)
	var found []string
	key := ""
	for _, line := range strings.Split(storagetest.AllText(t, e.store.Redis, e.store.Prefix), "\n") {
		v, isValue := strings.CutPrefix(line, "\t")
		if !isValue {
			key = line
			if strings.Contains(key, "{c:"+id+"}") && key != skip {
				found = append(found, key)
			}
			continue
		}
		if key == skip {
			continue
		}
		if slices.Contains(strings.Fields(v), id) || strings.Contains(v, c.Name) || c.Username != "" && strings.Contains(v, c.Username) {
			found = append(found, key+": "+v)
		}
	}
	return found
}

package tori_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func TestLifecycle(t *testing.T) {
	start := time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC)
	before, after := start.Add(-time.Hour), start.Add(time.Hour)
	held := func() tori.Appointment {
		return tori.Appointment{ID: "adi.aaaaaaaaaa", Status: tori.StatusHeld, Start: start, End: start.Add(50 * time.Minute), HoldUntil: before.Add(15 * time.Minute)}
	}
	confirmed := func() tori.Appointment {
		a := held()
		a.Status = tori.StatusConfirmed
		return a
	}
	tests := []struct {
		name string
		a    tori.Appointment
		move func(*tori.Appointment) error
		want tori.Status // "" means the move is refused
		code string
	}{
		{"ConfirmHold", held(), func(a *tori.Appointment) error { return a.Confirm(before) }, tori.StatusConfirmed, ""},
		{"ConfirmRunOutHold", held(), func(a *tori.Appointment) error { return a.Confirm(before.Add(15 * time.Minute)) }, "", tori.EEXPIRED},
		{"ConfirmTwice", confirmed(), func(a *tori.Appointment) error { return a.Confirm(before) }, "", tori.ECONFLICT},
		{"ExpireRunOutHold", held(), func(a *tori.Appointment) error { return a.Expire(before.Add(15 * time.Minute)) }, tori.StatusExpired, ""},
		{"ExpireLiveHold", held(), func(a *tori.Appointment) error { return a.Expire(before) }, "", tori.ECONFLICT},
		{"ExpireBooking", confirmed(), func(a *tori.Appointment) error { return a.Expire(after) }, "", tori.ECONFLICT},
		{"ClientLetsGoOfHold", held(), func(a *tori.Appointment) error { return a.CancelByClient(before) }, tori.StatusCancelledByClient, ""},
		{"ClientCancelsBooking", confirmed(), func(a *tori.Appointment) error { return a.CancelByClient(before) }, tori.StatusCancelledByClient, ""},
		{"ClientCancelsAfterStart", confirmed(), func(a *tori.Appointment) error { return a.CancelByClient(start) }, "", tori.ECONFLICT},
		{"PracticeCancels", confirmed(), func(a *tori.Appointment) error { return a.CancelByPractice(before) }, tori.StatusCancelledByPractice, ""},
		{"PracticeCancelsAfterStart", confirmed(), func(a *tori.Appointment) error { return a.CancelByPractice(start) }, "", tori.ECONFLICT},
		{"PracticeLetsGoOfHold", held(), func(a *tori.Appointment) error { return a.CancelByPractice(before) }, tori.StatusCancelledByPractice, ""},
		{"NoShowBeforeStart", confirmed(), func(a *tori.Appointment) error { return a.MarkNoShow(before) }, "", tori.ECONFLICT},
		{"NoShow", confirmed(), func(a *tori.Appointment) error { return a.MarkNoShow(after) }, tori.StatusNoShow, ""},
		{"Complete", confirmed(), func(a *tori.Appointment) error { return a.Complete(after) }, tori.StatusCompleted, ""},
		{"CompleteHold", held(), func(a *tori.Appointment) error { return a.Complete(after) }, "", tori.ECONFLICT},
		{"CancelCompleted", func() tori.Appointment { a := confirmed(); a.Status = tori.StatusCompleted; return a }(), func(a *tori.Appointment) error { return a.CancelByPractice(after) }, "", tori.ECONFLICT},
		{"CancelExpired", func() tori.Appointment { a := held(); a.Status = tori.StatusExpired; return a }(), func(a *tori.Appointment) error { return a.CancelByClient(before) }, "", tori.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			was := a.Status
			err := tt.move(&a)
			if tt.want == "" {
				if tori.ErrorCode(err) != tt.code || a.Status != was {
					t.Fatalf("err = %v, status %s; want code %s and status unchanged (%s)", err, a.Status, tt.code, was)
				}
				return
			}
			if err != nil || a.Status != tt.want {
				t.Fatalf("err = %v, status %s; want %s", err, a.Status, tt.want)
			}
		})
	}
	t.Run("Reschedule", func(t *testing.T) {
		a := confirmed()
		if err := a.Reschedule(start.Add(24*time.Hour), before); err != nil {
			t.Fatal(err)
		}
		if a.Seq != 1 || a.End.Sub(a.Start) != 50*time.Minute || !a.Start.Equal(start.Add(24*time.Hour)) {
			t.Fatalf("rescheduled = %+v", a)
		}
	})
	t.Run("Live", func(t *testing.T) {
		h := held()
		if !h.Live(before) || h.Live(h.HoldUntil) {
			t.Fatal("a hold is live until HoldUntil, exclusive")
		}
		c := confirmed()
		c.Status = tori.StatusCancelledByClient
		if c.Live(before) {
			t.Fatal("a cancelled booking is not live")
		}
	})
}

func TestAppointmentID(t *testing.T) {
	id := tori.NewAppointmentID("adi-2")
	if tid, ok := tori.TherapistOfID(id); !ok || tid != "adi-2" {
		t.Fatalf("TherapistOfID(%q) = %q, %v", id, tid, ok)
	}
	for _, bad := range []string{"", "adi", "adi.", "adi.short", "ADI.aaaaaaaaaa", "adi.aaaaaaaaa0", ".aaaaaaaaaa", "adi.aaaaaaaaaa.b", "{t:x}.aaaaaaaaaa"} {
		if _, ok := tori.TherapistOfID(bad); ok {
			t.Errorf("TherapistOfID(%q) accepted", bad)
		}
	}
}

func TestPracticeValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*tori.Practice)
		want string
	}{
		{"NoName", func(p *tori.Practice) { p.Name = "" }, `practice.name is empty: write the name clients should see, e.g. "Adi Levi Psychotherapy"`},
		{"BadTherapistID", func(p *tori.Practice) { p.Therapists[0].ID = "Adi Levi" }, `therapists[0].id "Adi Levi": use 1 to 16 lower-case letters, digits, - or _, starting with a letter or digit, e.g. "adi"`},
		{"DuplicateTherapist", func(p *tori.Practice) { p.Therapists[1].ID = "adi" }, `therapists[1].id "adi" is used twice: give each therapist their own id`},
		{"NoTelegram", func(p *tori.Practice) { p.Therapists[0].TelegramIDs = nil }, `therapists[0].telegram_ids is empty: add the numeric Telegram user id of Adi Levi (ask @userinfobot), so they are told of bookings`},
		{"BackwardsHours", func(p *tori.Practice) { p.Therapists[0].Hours[time.Sunday] = []tori.Span{span("13:00", "09:00")} }, `therapists[0].hours.sun: 13:00-09:00 ends before it starts; write ranges like 09:00-13:00`},
		{"OverlappingHours", func(p *tori.Practice) {
			p.Therapists[0].Hours[time.Monday] = []tori.Span{span("09:00", "13:00"), span("12:00", "14:00")}
		}, `therapists[0].hours.mon: 12:00-14:00 overlaps 09:00-13:00; merge them into one range`},
		{"BackwardsMessagingHours", func(p *tori.Practice) { p.MessagingHours[time.Sunday] = []tori.Span{span("18:00", "09:00")} }, `practice.messaging_hours.sun: 18:00-09:00 ends before it starts; write ranges like 09:00-13:00`},
		{"UnknownTherapistOfService", func(p *tori.Practice) { p.Services[0].TherapistIDs = []string{"dana"} }, `services[0].therapists names "dana", who is not in therapists: use one of the therapist ids`},
		{"DepositWithoutPercent", func(p *tori.Practice) { p.Services[0].Payment = tori.PayDeposit }, `services[0].deposit_percent is 0: with payment: deposit use 1 to 99 (or payment: full)`},
		{"NoAddress", func(p *tori.Practice) { p.Address = "" }, `services[0] is an in-person session but practice.address is empty: write the address clients should come to`},
		{"OddDuration", func(p *tori.Practice) { p.Services[0].Duration = 90 * time.Second }, `services[0].duration is 1m30s: use whole minutes from 5m to 12h, e.g. 50m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := practice()
			tt.edit(p)
			if got := tori.ErrorMessage(p.Validate()); got != tt.want {
				t.Fatalf("Validate() = %q\nwant %q", got, tt.want)
			}
		})
	}
}

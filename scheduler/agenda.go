package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// agendaLate is how long after its time an agenda is still worth sending.
const agendaLate = 4*time.Hour + 30*time.Minute

// sendAgendas is the daily agenda job. From the configured local time on,
// each therapist gets the day's sessions once (a marker per therapist and
// day, so several workers send one, and a worker that was down at 07:30
// still sends it when it comes back, until noon); a day without sessions
// sends nothing.
func (w *Worker) sendAgendas(ctx context.Context) (int, error) {
	ws := w.cfg.Practice.Worker
	if ws.AgendaOff {
		return 0, nil
	}

	p := w.cfg.Practice
	now := w.now().In(p.Location)
	day := tori.DateOf(now)
	at := day.At(ws.AgendaAt, p.Location)
	if now.Before(at) || now.After(at.Add(agendaLate)) {
		return 0, nil
	}

	sent := 0
	var failed error
	for _, t := range p.Therapists { // one therapist's failure does not hold up the others
		ok, err := w.agendaFor(ctx, t, day)
		if err != nil {
			failed = err
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, failed
}

// agendaFor sends one therapist's agenda for day, once across all workers:
// the day is claimed for a few minutes, marked done once sent, and the
// claim dropped if sending failed (so the next run tries again).
func (w *Worker) agendaFor(ctx context.Context, t tori.Therapist, day tori.Date) (bool, error) {
	st, p := w.cfg.Store, w.cfg.Practice
	id := t.ID + ":" + day.String()
	claimed, err := st.Claim(ctx, "agenda", id, 5*time.Minute)
	if err != nil || !claimed {
		return false, err
	}

	as, err := st.TherapistAppointments(ctx, t.ID, day.In(p.Location), day.AddDays(1).In(p.Location))
	if err != nil {
		_ = st.Forget(ctx, "agenda", id)
		return false, err
	}

	var booked []tori.Appointment
	for _, a := range as {
		if a.Status == tori.StatusConfirmed {
			booked = append(booked, a)
		}
	}

	// A day without sessions sends nothing, and is done all the same.
	if len(booked) > 0 {
		if err := w.cfg.Notify.Agenda(ctx, t, day, booked); err != nil && !unreachable(err) {
			_ = st.Forget(ctx, "agenda", id)
			return false, err
		}
	}
	return len(booked) > 0, st.Finish(ctx, "agenda", id, 3*24*time.Hour)
}

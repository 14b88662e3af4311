package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/ical"
)

// Feed serves GET /calendar/{therapist}.ics?token=…, a therapist's private
// feed (the link /calendar shows in the chat) for any calendar app to
// subscribe to: their booked sessions from 30 days ago to 180 days ahead.
func (p *Pages) Feed() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /calendar/{file}", func(w http.ResponseWriter, r *http.Request) {
		tid, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
		t, known := p.practice.Therapist(tid)
		token := r.URL.Query().Get("token")
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if !ok || !known || token == "" {
			http.NotFound(w, r)
			return
		}

		// A wrong token is 404, like a therapist that does not exist.
		valid, err := p.store.CheckCalendarToken(ctx, tid, token)
		if err != nil {
			p.log.Error("calendar feed", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		if !valid {
			http.NotFound(w, r)
			return
		}

		now := p.now()
		as, err := p.bookings.Store.TherapistAppointments(ctx, tid, now.AddDate(0, 0, -30), now.AddDate(0, 0, 180))
		if err != nil {
			p.log.Error("calendar feed", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}

		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Cache-Control", "private, max-age=300")
		w.Header().Set("Content-Disposition", `inline; filename="`+tid+`.ics"`)
		_, _ = w.Write(ical.Feed(p.practice, t, booked(as), now))
	})
	return mux
}

// booked are the appointments a feed shows: confirmed, completed, or a
// no-show (the time was the client's).
func booked(as []tori.Appointment) []tori.Appointment {
	var out []tori.Appointment
	for _, a := range as {
		switch a.Status {
		case tori.StatusConfirmed, tori.StatusCompleted, tori.StatusNoShow:
			out = append(out, a)
		}
	}
	return out
}

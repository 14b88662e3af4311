package bot

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Each therapist's private calendar feed, PUBLIC_URL/calendar/<id>.ics?token=…
// to subscribe to from any calendar app. /calendar shows the link to that
// therapist (not to staff) and can replace it, which revokes the old one.
// A wrong token is 404, like a therapist that does not exist.

func (b *Bot) feedURL(tid, token string) string {
	return b.publicURL + "/calendar/" + tid + ".ics?token=" + token
}

// calendarLinks shows the sender's feed links; renew replaces tid's.
func (c *turn) calendarLinks(renew bool, tid string) {
	if c.publicURL == "" {
		c.show(c.t("calendar.off", nil), nil)
		return
	}
	var lines []string
	var kb [][]Button
	for _, t := range c.practice.Therapists {
		mine := false
		for _, id := range t.TelegramIDs {
			mine = mine || id == c.in.User.ID
		}
		if !mine {
			continue
		}
		get := c.store.CalendarToken
		if renew && t.ID == tid {
			get = c.store.NewCalendarToken
		}
		tok, err := get(c.ctx, t.ID)
		if err != nil {
			c.fail("calendar token", err)
			return
		}
		lines = append(lines, c.t("calendar.link", map[string]any{"Therapist": iso(c.lang, t.Name), "URL": esc(c.feedURL(t.ID, tok))}))
		kb = append(kb, []Button{{Text: c.t("button.calendar_new", map[string]any{"Therapist": t.Name}), Data: cb(vCalendarNew, t.ID)}})
	}
	if len(lines) == 0 {
		c.show(c.t("calendar.therapists_only", nil), nil)
		return
	}
	if renew {
		c.res.Notice = c.t("calendar.renewed", nil)
	}
	c.show(c.t("calendar.links", map[string]any{"Links": strings.Join(lines, "\n\n")}), kb)
}

// FeedHandler serves GET /calendar/{therapist}.ics?token=…
func (b *Bot) FeedHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /calendar/{file}", func(w http.ResponseWriter, r *http.Request) {
		tid, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
		t, known := b.practice.Therapist(tid)
		token := r.URL.Query().Get("token")
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if !ok || !known || token == "" {
			http.NotFound(w, r)
			return
		}
		valid, err := b.store.CheckCalendarToken(ctx, tid, token)
		if err != nil {
			b.log.Error("calendar feed", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		if !valid {
			http.NotFound(w, r)
			return
		}
		now := b.now()
		as, err := b.bookings.Store.TherapistAppointments(ctx, tid, now.AddDate(0, 0, -30), now.AddDate(0, 0, 180))
		if err != nil {
			b.log.Error("calendar feed", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		var booked []tori.Appointment
		for _, a := range as {
			switch a.Status {
			case tori.StatusConfirmed, tori.StatusCompleted, tori.StatusNoShow:
				booked = append(booked, a)
			}
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Cache-Control", "private, max-age=300")
		w.Header().Set("Content-Disposition", `inline; filename="`+tid+`.ics"`)
		_, _ = w.Write(b.Feed(t, booked))
	})
	return mux
}

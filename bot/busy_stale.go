package bot

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// BusyStale tells therapist t that their calendar c has not been read since
// since; why is the last failure (its code picks the words). Its last busy
// times are kept meanwhile.
func (n *Notifier) BusyStale(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, since time.Time, why error) error {
	return n.send(ctx, n.Bot.BusyStaleReplies(ctx, t, c, since, why))
}

// BusyRecovered tells therapist t that calendar c is read again.
func (n *Notifier) BusyRecovered(ctx context.Context, t tori.Therapist, c tori.BusyCalendar) error {
	return n.send(ctx, n.Bot.BusyRecoveredReplies(ctx, t, c))
}

// BusyStaleReplies is BusyStale's notice, in the therapist's language.
func (b *Bot) BusyStaleReplies(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, since time.Time, why error) []Reply {
	return b.calendarNotice(ctx, t, c, "notify.busy_stale", func(lang string, data map[string]any) {
		data["Since"] = b.when(lang, since)
		data["Why"] = b.cat.T(lang, "busy.why."+whyCode(tori.ErrorCode(why)), nil)
	})
}

// BusyRecoveredReplies is BusyRecovered's notice, in the therapist's language.
func (b *Bot) BusyRecoveredReplies(ctx context.Context, t tori.Therapist, c tori.BusyCalendar) []Reply {
	return b.calendarNotice(ctx, t, c, "notify.busy_recovered", nil)
}

// calendarNotice is message id to every chat of t, naming calendar c by its
// host (never its secret address); more adds what only that notice says.
func (b *Bot) calendarNotice(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, id string, more func(lang string, data map[string]any)) []Reply {
	tc := &turn{Bot: b, ctx: ctx, now: b.now()}
	t, lang, ok := tc.therapistOf(t.ID)
	if !ok {
		return nil
	}
	data := map[string]any{"Calendar": iso(lang, calendarHost(c))}
	if more != nil {
		more(lang, data)
	}
	tc.tellTherapist(t, b.cat.T(lang, id, data), 0)
	return tc.res.Replies
}

// calendarSources is how each of t's own calendars stands, for /calendar:
// its busy times, when they last changed and when it was last read, or
// since when it fails and why; "" when t has none.
func (c *turn) calendarSources(t tori.Therapist) (string, error) {
	var lines []string
	for _, cal := range t.BusyCalendars {
		st, err := c.store.BusyState(c.ctx, t.ID, cal.Source())
		if err != nil {
			return "", err
		}

		data := map[string]any{"Calendar": iso(c.lang, calendarHost(cal)), "Count": st.Count}
		id := "calendar.source_ok"
		switch {
		case !st.FailingSince.IsZero():
			id, data["Since"], data["Why"] = "calendar.source_failing", c.when(c.lang, st.FailingSince), c.t("busy.why."+whyCode(st.LastError), nil)
		case st.At.IsZero():
			id = "calendar.source_new"
		default:
			data["At"] = c.when(c.lang, st.At)
			read, err := c.store.BusyLastRead(c.ctx, t.ID, cal.Source())
			if err != nil {
				return "", err
			}
			if !read.IsZero() {
				data["Read"] = c.when(c.lang, read)
			}
		}
		lines = append(lines, c.t(id, data))
	}
	if len(lines) == 0 {
		return "", nil
	}
	return c.t("calendar.sources", map[string]any{"Sources": strings.Join(lines, "\n")}), nil
}

// calendarHost names a calendar by its host, never its secret address.
func calendarHost(c tori.BusyCalendar) string {
	if u, err := url.Parse(c.URL); err == nil && u.Host != "" {
		return u.Hostname()
	}
	return "?"
}

// whyCode is the error code whose words (busy.why.*) say what to do.
func whyCode(code string) string {
	switch code {
	case tori.ENOTFOUND, tori.EFORBIDDEN, tori.EUNAVAILABLE, tori.ELIMIT:
		return code
	}
	return tori.EINVALID
}

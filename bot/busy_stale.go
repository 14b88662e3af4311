package bot

import (
	"context"
	"net/url"
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
		code := tori.ErrorCode(why)
		switch code {
		case tori.ENOTFOUND, tori.EFORBIDDEN, tori.EUNAVAILABLE, tori.ELIMIT:
		default:
			code = tori.EINVALID
		}
		data["Why"] = b.cat.T(lang, "busy.why."+code, nil)
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
	host := "?"
	if u, err := url.Parse(c.URL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	data := map[string]any{"Calendar": iso(lang, host)}
	if more != nil {
		more(lang, data)
	}
	tc.tellTherapist(t, b.cat.T(lang, id, data), 0)
	return tc.res.Replies
}

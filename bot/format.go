package bot

import (
	"fmt"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
)

// local is t in the practice's time zone, where every date and time the bot
// writes is; this file writes them as each language does, with the day and
// month names of the catalogs.
func (b *Bot) local(t time.Time) time.Time { return t.In(b.practice.Location) }

// clock writes "14:30".
func (b *Bot) clock(lang string, t time.Time) string {
	return ltr(lang, b.local(t).Format("15:04"))
}

// longDate writes "Tuesday 1 December 2026" / "יום שלישי, 1 בדצמבר 2026".
func (b *Bot) longDate(lang string, t time.Time) string {
	l := b.local(t)
	return b.cat.T(lang, "date.long", map[string]any{
		"Weekday": b.cat.T(lang, fmt.Sprintf("weekday.%d", l.Weekday()), nil),
		"Day":     l.Day(),
		"Month":   b.cat.T(lang, fmt.Sprintf("month.%d", int(l.Month())), nil),
		"Year":    l.Year(),
	})
}

// when writes "Tuesday 1 December 2026, 10:00".
func (b *Bot) when(lang string, t time.Time) string {
	return b.cat.T(lang, "date.when", map[string]any{"Date": b.longDate(lang, t), "Time": b.clock(lang, t)})
}

// whenRange writes "Tuesday 1 December 2026, 10:00–10:50".
func (b *Bot) whenRange(lang string, start, end time.Time) string {
	return b.cat.T(lang, "date.when_range", map[string]any{"Date": b.longDate(lang, start), "Time": b.timeRange(lang, start, end)})
}

// timeRange writes "10:00–10:50": left to right in Hebrew too, and never
// broken at the dash.
func (b *Bot) timeRange(lang string, start, end time.Time) string {
	return ltr(lang, bidi.Range(b.local(start).Format("15:04"), b.local(end).Format("15:04")))
}

// shortDay writes "Tue 1/12" for buttons.
func (b *Bot) shortDay(lang string, d tori.Date) string {
	return b.cat.T(lang, "date.short", map[string]any{
		"Weekday": b.cat.T(lang, fmt.Sprintf("weekday_short.%d", d.Weekday()), nil),
		"Day":     d.Day,
		"Month":   int(d.Month),
	})
}

// shortWhen writes "Tue 1/12 10:00" for buttons and lists.
func (b *Bot) shortWhen(lang string, t time.Time) string {
	return b.shortDay(lang, tori.DateOf(b.local(t))) + " " + b.clock(lang, t)
}

// until writes a hold's end: "14:32" today, or "Wed 2/12 14:32" on another day.
func (b *Bot) until(lang string, t, now time.Time) string {
	if tori.DateOf(b.local(t)) == tori.DateOf(b.local(now)) {
		return b.clock(lang, t)
	}
	return b.shortWhen(lang, t)
}

// hours writes a notice such as "48 hours" or "one hour".
func (b *Bot) hours(lang string, d time.Duration) string {
	if d%time.Hour != 0 {
		return b.cat.N(lang, "duration.minutes", int(d/time.Minute), nil)
	}
	return b.cat.N(lang, "duration.hours", int(d/time.Hour), nil)
}

// minutes writes a session's length: "50 min".
func (b *Bot) minutes(lang string, d time.Duration) string {
	return b.cat.N(lang, "duration.minutes", int(d/time.Minute), nil)
}

func (b *Bot) price(lang string, m tori.Money) string { return ltr(lang, esc(m.Format(lang))) }

// notice writes how long before a session something happens: whole hours,
// or minutes under an hour.
func (b *Bot) notice(lang string, d time.Duration) string {
	if d < time.Hour {
		return b.cat.N(lang, "duration.minutes", int(max(d, 0)/time.Minute), nil)
	}
	return b.cat.N(lang, "duration.hours", int(d/time.Hour), nil)
}

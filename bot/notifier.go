package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Notifier tells clients and therapists what the worker did: reminders,
// ended holds, settled payments and refunds, the daily agenda. It
// satisfies scheduler.Notifier. A chat the bot may not write to is
// reported as EFORBIDDEN (the worker drops the message); other failures
// are returned for a retry.
type Notifier struct {
	Bot  *Bot
	Send func(ctx context.Context, r Reply) error // Telegram.Send
}

// send delivers every reply, going on past a failed one: a message to
// several people (a therapist's ids) counts as delivered when anyone got
// it. All unreachable is EFORBIDDEN; all failed otherwise is that failure,
// for a retry. When some went out, a failed one with a Retry (a notice to
// the therapist) is queued for the worker, since the caller will not send
// it again.
func (n *Notifier) send(ctx context.Context, replies []Reply) error {
	var failed error
	var retry []Reply
	delivered, unreachable := 0, 0
	for _, r := range replies {
		err := n.Send(ctx, r)
		switch {
		case err == nil:
			delivered++
		case errors.Is(err, ErrWithheld):
			unreachable++ // a client without Telegram: nothing to say of it
		case final(err):
			unreachable++
			n.Bot.log.Warn("message not taken, and sending it again would not help (the chat cannot be written to, or Telegram refused the request)", "chat", r.ChatID, "err", err)
		default:
			failed = err
			if r.Retry != "" {
				retry = append(retry, r)
			}
			n.Bot.log.Warn("message not delivered", "chat", r.ChatID, "err", err)
		}
	}

	switch {
	case delivered > 0 || len(replies) == 0:
		for _, r := range retry {
			_ = n.Bot.RetryLater(ctx, r)
		}
		return nil
	case failed != nil:
		return failed
	}
	return tori.Errorf(tori.EFORBIDDEN, "no chat of %d could be reached", unreachable)
}

// Remind sends the reminder due before long before a's start.
func (n *Notifier) Remind(ctx context.Context, a tori.Appointment, before time.Duration) error {
	return n.send(ctx, n.Bot.ReminderReplies(ctx, a, before))
}

// HoldExpired tells the client their hold ended and the time is free
// again; a held series, once for all its weeks (seriesHoldEnded); a
// booking awaiting its payment, both sides (payByReleased).
func (n *Notifier) HoldExpired(ctx context.Context, a tori.Appointment) error {
	if !a.PayBy.IsZero() {
		return n.payByReleased(ctx, a)
	}
	if a.Series != "" {
		return n.seriesHoldEnded(ctx, a)
	}

	c := n.Bot.turnFor(ctx, a)
	data := map[string]any{"When": c.shortWhen(c.lang, a.Start), "Until": c.until(c.lang, a.HoldUntil, c.now)}
	c.holdEnded(a, data, "hold.ended", "offer.ended", "move.hold_ended")
	return n.send(ctx, c.res.Replies)
}

// Offer sends a waitlist offer to its client.
func (n *Notifier) Offer(ctx context.Context, a tori.Appointment) error {
	return n.send(ctx, n.Bot.OfferReplies(ctx, a))
}

// OfferUnfilled tells the therapist nobody on the waitlist took a freed time.
func (n *Notifier) OfferUnfilled(ctx context.Context, f tori.Freeing) error {
	return n.send(ctx, n.Bot.OfferUnfilledReplies(f))
}

// WaitlistEnded tells a client their waitlist entry's days have passed.
func (n *Notifier) WaitlistEnded(ctx context.Context, e tori.WaitEntry) error {
	return n.send(ctx, n.Bot.WaitlistEndedReplies(ctx, e))
}

// PaymentSettled tells what a payment came to (see PaymentReplies).
func (n *Notifier) PaymentSettled(ctx context.Context, r tori.PaymentResult) error {
	if r.Fresh && r.Settled() {
		return n.Bot.TellSettled(ctx, n.Send, r)
	}
	return n.send(ctx, n.Bot.PaymentReplies(ctx, r))
}

// RefundDone tells the client (and therapist) that a refund that was
// pending has gone through.
// The refund is done and recorded, and will not be looked at again: a
// message Telegram does not take now is queued for the worker (the relay
// queue, as a therapist's notice is), not lost.
func (n *Notifier) RefundDone(ctx context.Context, a tori.Appointment) error {
	for _, r := range n.Bot.RefundDoneReplies(ctx, a) {
		if r.Retry == "" {
			r.Retry = noticeRetry(r.ChatID, r.Text)
		}

		err := n.Send(ctx, r)
		if err == nil || final(err) {
			continue
		}
		n.Bot.log.Warn("refund message not delivered; queued", "chat", r.ChatID, "err", err)
		if qerr := n.Bot.RetryLater(ctx, r); qerr != nil {
			return qerr
		}
	}
	return nil
}

// RefundByHand asks the therapist to refund by hand: PayPal kept refusing.
func (n *Notifier) RefundByHand(ctx context.Context, a tori.Appointment) error {
	c := n.Bot.turnFor(ctx, a)
	c.notify(a, "notify.refund_by_hand", map[string]any{"Capture": a.CaptureID, "Tries": a.RefundTries})
	return n.send(ctx, c.res.Replies)
}

// ErasureDone tells a client that their erasure, which had to wait (or
// whose process died), is done, in their language, and the therapists of
// their bookings that a client erased their data. The client's message
// is never queued (a queued message would keep their chat id, a trace
// once the erasure ends): when Telegram does not take it, the worker
// tries again. Therapists' notices name nobody, and are queued as any.
func (n *Notifier) ErasureDone(ctx context.Context, rec tori.ErasureRecord) error {
	b := n.Bot
	pol := tori.DefaultPrivacyPolicy()
	if b.privacy != nil {
		pol = b.privacy.Policy()
	}

	if rec.Chat != 0 {
		text := b.cat.T(rec.Tell, "privacy.erased_later", map[string]any{
			"Practice": iso(rec.Tell, b.practice.Name), "KeepMoney": b.period(rec.Tell, pol.KeepMoney)})
		if err := n.Send(ctx, Reply{ChatID: rec.Chat, Text: text}); err != nil && !final(err) {
			return err
		}
	}

	for _, r := range b.erasedNotices(rec.Therapists, pol) {
		if err := n.Send(ctx, r); err != nil && !final(err) {
			_ = b.RetryLater(ctx, r)
		}
	}
	return nil
}

// Agenda sends a therapist the day's sessions.
func (n *Notifier) Agenda(ctx context.Context, t tori.Therapist, day tori.Date, as []tori.Appointment) error {
	return n.send(ctx, n.Bot.AgendaReplies(ctx, t, day, as))
}

// Resend sends a notice that Telegram did not take when it was first sent
// and that was queued for the worker in the relay queue (see
// noticeRetry). EINVALID when member is not one.
func (n *Notifier) Resend(ctx context.Context, member string) error {
	r, ok := decodeNotice(member)
	if !ok {
		return tori.Errorf(tori.EINVALID, "not a queued notice")
	}

	err := n.send(ctx, []Reply{r})
	if err != nil && final(err) {
		// Telegram refuses the message itself: sending it again will not help.
		n.Bot.log.Error("queued notice refused by Telegram; dropped", "chat", r.ChatID, "err", err)
		return nil
	}
	return err
}

// Relay passes on a client's message written outside messaging hours.
// A chat that does not take it gets its own retry in the queue, so the
// chats that did are not written to twice.
func (n *Notifier) Relay(ctx context.Context, r tori.Relay) error {
	replies := n.Bot.RelayReplies(r)
	if len(replies) == 1 {
		return n.send(ctx, replies) // the claim is retried as it is
	}

	for _, rep := range replies {
		if err := n.Send(ctx, rep); err != nil && !errors.Is(err, ErrUnreachable) {
			n.Bot.log.Warn("message not passed on; retried", "chat", rep.ChatID, "err", err)
			if err := n.Bot.RetryLater(ctx, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReminderReplies is the reminder before long before a's start: when and
// where in absolute terms (with the meeting link for a remote session),
// what the policy gives if cancelled now, and buttons.
func (b *Bot) ReminderReplies(ctx context.Context, a tori.Appointment, before time.Duration) []Reply {
	c := b.turnFor(ctx, a)
	c.in.MessageID = 0

	terms := b.bookings.TermsNow(a)
	data := map[string]any{
		"Booking": c.describe(a),
		"When":    c.whenRange(c.lang, a.Start, a.End),
		"Where":   c.where(a, true),
		"Terms":   c.termsText("reminder.terms.", a, terms),
	}

	kb := [][]Button{{{Text: c.t("button.attend", nil), Data: cb(vAttend, a.ID)}}}
	var row []Button
	if b.practice.Policy.CanReschedule(a.Start, c.now) {
		row = append(row, Button{Text: c.t("button.reschedule", nil), Data: cb(vReschedule, a.ID)})
	}
	row = append(row, Button{Text: c.t("button.cancel_booking", nil), Data: cb(vCancelAsk, a.ID)})
	kb = append(kb, row)
	if a.Attending {
		data["Attending"] = true
	}

	c.send(c.t("reminder", data), kb)
	return c.res.Replies
}

// AgendaReplies lists a therapist's day: each session in order, with the
// client, the service (and which of its series it is), what is paid, and
// who confirmed they will come.
func (b *Bot) AgendaReplies(ctx context.Context, t tori.Therapist, day tori.Date, as []tori.Appointment) []Reply {
	lang := t.Lang
	if lang == "" {
		lang = b.practice.Language
	}
	c := &turn{Bot: b, ctx: ctx, lang: lang, now: b.now()}

	var lines []string
	for _, a := range as {
		confirmed := c.t("agenda.not_confirmed", nil)
		if a.Attending {
			confirmed = c.t("agenda.confirmed", nil)
		}
		lines = append(lines, c.sessionHead(a, confirmed))
	}

	// A long day goes out in several messages (Telegram takes 4,096 characters).
	var out []Reply
	for _, part := range chunk(lines, 3500) {
		text := b.cat.N(lang, "agenda", len(as), map[string]any{
			"Date": b.longDate(lang, day.At(12*60, b.practice.Location)), "Sessions": strings.Join(part, "\n\n"),
		})
		for _, chat := range t.TelegramIDs {
			out = append(out, Reply{ChatID: chat, Text: text})
		}
	}
	return out
}

// chunk splits lines into groups of at most size characters.
func chunk(lines []string, size int) [][]string {
	var out [][]string
	var cur []string
	n := 0
	for _, l := range lines {
		if n+len(l) > size && len(cur) > 0 {
			out, cur, n = append(out, cur), nil, 0
		}
		cur = append(cur, l)
		n += len(l) + 2
	}

	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (b *Bot) whereShort(lang string, a tori.Appointment) string {
	if a.Remote {
		return b.cat.T(lang, "agenda.video", nil)
	}
	return b.cat.T(lang, "agenda.in_person", nil)
}

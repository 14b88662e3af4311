package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
)

// PrepayRestNotifier tells a client, once, that the rest of their series
// is now paid in advance (they became a repeat offender): a is one of the
// sessions turned. A Notifier that has it is used; one that has not tells
// nothing more than the pay reminders.
type PrepayRestNotifier interface {
	PrepayRest(ctx context.Context, a tori.Appointment) error
}

// prepayRestMarker names the marker of that notice: once per client and series.
func prepayRestMarker(a tori.Appointment) string {
	return fmt.Sprintf("prepayrest:%s:%d", a.Series, a.Client.ID)
}

// tellPrepaidRest tells the client of a, a session turned by PrepayRest,
// that their series' sessions ahead are now paid in advance: once for the
// series (sent, then marked: a crash between the two repeats it once at
// most). Its queue item, put in the reminder queue at once by the step
// that turned it, makes the notice as durable as the turn itself.
func (w *Worker) tellPrepaidRest(ctx context.Context, a tori.Appointment) error {
	n, ok := w.cfg.Notify.(PrepayRestNotifier)
	if !ok || !a.PrepaidRest || a.Series == "" {
		return nil
	}
	st, marker := w.cfg.Store, prepayRestMarker(a)
	told, err := st.Marked(ctx, marker)
	if err != nil || told {
		return err
	}
	if err := n.PrepayRest(ctx, a); err != nil && !unreachable(err) {
		return err
	}
	_, err = st.MarkOnce(ctx, marker, a.PayBy.Sub(w.now())+30*24*time.Hour)
	return err
}

// recoverPrepayRest makes the rest of the series of a, a session of a
// series paid at the session with a reminder due, prepaid when its client
// is a repeat offender whose strike was recorded but whose PrepayRest a
// crash cut short (PrepayRest is idempotent, and changes nothing for
// anyone else). It returns a as it now is, and whether it changed.
func (w *Worker) recoverPrepayRest(ctx context.Context, a tori.Appointment) (tori.Appointment, bool, error) {
	b := w.cfg.Bookings
	if b == nil || a.Series == "" || a.Payment != tori.PayNone || a.ByPractice || a.Client.ID == 0 {
		return a, false, nil
	}
	n, err := b.PrepayRest(ctx, a.Client)
	if err != nil || n == 0 {
		return a, false, err
	}
	got, err := w.cfg.Store.Appointment(ctx, a.ID)
	return got, err == nil && awaitingPayment(got), err
}

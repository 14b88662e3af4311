// Package scheduler is tori's worker: it turns time into use-case calls.
// Reminders, hold expiry, refund retries, payment reconciliation and the
// daily agenda each live in a file of their own with a runOnce(ctx) that
// tests call with a fixed clock; robfig/cron ticks them in production.
//
// Due work sits in Redis sorted sets scored by due time and is claimed
// atomically with a lease (storage/queue.go), so any number of workers can
// run: each item is done once, and an item whose worker died comes due
// again when its lease runs out. Sent-markers keep a crash between sending
// and recording to at most one duplicate.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/tori-bot/tori"
)

// Store is what the worker needs of storage; storage.Store satisfies it.
// Errors are EINTERNAL unless said otherwise.
type Store interface {
	// ClaimDue claims up to n items of queue q (per therapist for the
	// reminder and hold queues) due at or before now, for lease.
	ClaimDue(ctx context.Context, q tori.Queue, therapist string, now time.Time, lease time.Duration, n int) ([]tori.Claim, error)
	// Ack removes, and Requeue re-schedules, a claimed item; both report
	// false (and change nothing) when the claim is no longer ours.
	Ack(ctx context.Context, q tori.Queue, therapist string, c tori.Claim) (bool, error)
	Requeue(ctx context.Context, q tori.Queue, therapist string, c tori.Claim, due time.Time) (bool, error)
	// Claim, Finish and Forget guard work done once across workers (see
	// telegram.Store): a short claim, a long "done", or the claim dropped.
	Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error)
	Finish(ctx context.Context, kind, id string, keep time.Duration) error
	Forget(ctx context.Context, kind, id string) error
	// MarkOnce sets a marker and reports whether it was not set; Marked reads one.
	MarkOnce(ctx context.Context, marker string, keep time.Duration) (bool, error)
	Marked(ctx context.Context, marker string) (bool, error)
	// Appointment returns one appointment; ENOTFOUND.
	Appointment(ctx context.Context, id string) (tori.Appointment, error)
	// ExpireHold ends a hold whose time has run out (not one being paid);
	// fresh is true for the call that ended it.
	ExpireHold(ctx context.Context, id string, now time.Time) (a tori.Appointment, fresh bool, err error)
	// TherapistAppointments returns the therapist's live appointments that
	// start in [from, to), in time order.
	TherapistAppointments(ctx context.Context, therapistID string, from, to time.Time) ([]tori.Appointment, error)
	// Unavailable reports whether err is the store unable to take a command
	// this moment (down, out of memory, failing over): an outage the jobs
	// wait out, not a fault.
	Unavailable(err error) bool
}

// Notifier tells people; bot.Notifier satisfies it. An error with code
// EFORBIDDEN means the chat cannot be written to (the work is dropped);
// any other error is worth a retry.
type Notifier interface {
	Remind(ctx context.Context, a tori.Appointment, before time.Duration) error
	// HoldExpired tells that a hold ran out: its client, and for a booking
	// awaiting its payment (PayBy) released unpaid, the therapist too.
	HoldExpired(ctx context.Context, a tori.Appointment) error
	// PayReminder asks the client of a booking awaiting its payment to pay
	// it by its deadline, with the pay button.
	PayReminder(ctx context.Context, a tori.Appointment) error
	PaymentSettled(ctx context.Context, r tori.PaymentResult) error
	RefundDone(ctx context.Context, a tori.Appointment) error
	RefundByHand(ctx context.Context, a tori.Appointment) error
	Agenda(ctx context.Context, t tori.Therapist, day tori.Date, as []tori.Appointment) error
	Relay(ctx context.Context, r tori.Relay) error
	// Resend sends a message queued in the relay queue after Telegram did
	// not take it (a notice to a therapist); EINVALID when member is not one.
	Resend(ctx context.Context, member string) error
	// Offer sends a waitlist offer (a hold in the client's name) to its
	// client; OfferUnfilled tells the therapist nobody took a freed time;
	// WaitlistEnded tells a client their entry's days have passed.
	Offer(ctx context.Context, a tori.Appointment) error
	OfferUnfilled(ctx context.Context, f tori.Freeing) error
	WaitlistEnded(ctx context.Context, e tori.WaitEntry) error
	// ErasureDone tells a client that their erasure, which had to wait, is
	// done, and the therapists that a client erased their data.
	ErasureDone(ctx context.Context, rec tori.ErasureRecord) error
	// SeriesEnding asks the client of counted series sr, before its last
	// session last, whether to continue, and tells the therapist it ends.
	SeriesEnding(ctx context.Context, sr tori.Series, last tori.Appointment) error
	// SeriesGaps tells the client and the therapist of the weeks missed
	// that open-ended series sr could not book as it extended, each with
	// the nearest free time that week.
	SeriesGaps(ctx context.Context, sr tori.Series, missed []tori.Occurrence) error
	// BusyOverBooking tells a's therapist that a busy time newly read from
	// their own calendar lies over a's session (which stays booked).
	BusyOverBooking(ctx context.Context, o tori.BusyOverlap, a tori.Appointment) error
	// BusyStale tells therapist t that calendar c has not been read since
	// since (why: the last failure); BusyRecovered that it is read again.
	BusyStale(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, since time.Time, why error) error
	BusyRecovered(ctx context.Context, t tori.Therapist, c tori.BusyCalendar) error
}

// Config is everything the worker depends on.
type Config struct {
	Practice *tori.Practice
	Bookings *tori.Bookings
	Store    Store
	Notify   Notifier
	// Privacy runs retention and finishes erasures; nil makes it over
	// Bookings' store when that keeps privacy (tori.PrivacyStore).
	Privacy *tori.Privacy
	Now     func() time.Time // default time.Now
	Log     *slog.Logger     // default slog.Default()
	Lease   time.Duration    // how long a claim lasts (default 2 minutes)
	Batch   int              // items claimed per queue per run (default 100)
	// Calendars reads the therapists' own calendars (busy.go); nil reads none.
	Calendars CalendarReader
}

// Worker runs the jobs.
type Worker struct {
	cfg  Config
	stop atomic.Bool // set at shutdown: jobs finish the item in hand and return
	// calendarsCleared: the busy times of calendars no longer configured are freed (busy.go).
	calendarsCleared atomic.Bool
}

// stopping reports whether the worker is shutting down (or ctx ended):
// jobs check it between items, never in the middle of one.
func (w *Worker) stopping(ctx context.Context) bool { return w.stop.Load() || ctx.Err() != nil }

// New returns a worker.
func New(cfg Config) *Worker {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}

	if cfg.Bookings != nil && cfg.Privacy == nil {
		if st, ok := cfg.Bookings.Store.(tori.PrivacyStore); ok {
			cfg.Privacy = &tori.Privacy{Practice: cfg.Practice, Store: st, Now: cfg.Now, Log: cfg.Log, Events: cfg.Bookings.Events}
			if cfg.Notify != nil {
				cfg.Privacy.Teller = cfg.Notify
			}
		}
	}
	return &Worker{cfg: cfg}
}

func (w *Worker) now() time.Time { return w.cfg.Now() }

// job is one kind of due work. atStart: it also runs as the worker
// starts, not only a spec's interval later.
type job struct {
	name    string
	spec    string
	runOnce func(ctx context.Context) (int, error)
	atStart bool
}

func (w *Worker) jobs() []job {
	return []job{
		{"holds", "@every 1s", w.expireHolds, false},
		{"reminders", "@every 5s", w.sendReminders, false},
		{"refunds", "@every 15s", w.retryRefunds, false},
		{"reconcile", "@every 30s", w.reconcile, false},
		{"agenda", "@every 1m", w.sendAgendas, false},
		{"relay", "@every 30s", w.deliverRelays, false},
		{"waitlist", "@every 2s", w.offerFreedTimes, false},
		{"waitend", "@every 5m", w.endWaitEntries, false},
		{"erasures", "@every 30s", w.finishErasures, false},
		// At start too: a worker restarted more often than every 10 minutes
		// would never run it, and what a crash cut short is finished at once.
		{"retention", "@every 10m", w.retain, true},
		{"series", "@every 1m", w.extendSeries, false},
		{"seriesend", "@every 10m", w.askSeriesEnds, true},
		{"attaches", "@every 1m", w.finishAttaches, true},
		// Each calendar is read every busy_calendars.every; the job only looks often.
		{"calendars", "@every 30s", w.pollCalendars, true},
	}
}

// Run ticks every job until ctx ends, then waits for running jobs. A job
// that panics is recovered and runs again at its next tick; a job still
// running at its next tick is skipped, not stacked.
func (w *Worker) Run(ctx context.Context) error {
	logger := cron.PrintfLogger(slogPrintf{w.cfg.Log})
	c := cron.New(
		cron.WithLocation(w.cfg.Practice.Location),
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)),
	)

	// Jobs run on a context that shutdown does not cancel, so that an item
	// in hand (a message half sent) finishes; they stop between items.
	jobCtx := context.WithoutCancel(ctx)
	var atStart []cron.EntryID
	for _, j := range w.jobs() {
		waiting := false // the job's last run met a Redis outage (a job never runs beside itself)
		id, err := c.AddFunc(j.spec, func() {
			if w.stop.Load() {
				return
			}
			n, err := j.runOnce(jobCtx)
			if ctx.Err() != nil {
				err = nil // shutting down: an item cut short is not a fault
			}
			waiting = w.report(j.name, n, err, waiting)
		})
		if err != nil {
			return err
		}
		if j.atStart {
			atStart = append(atStart, id)
		}
	}

	c.Start()

	// The first runs go through the job's chain, so a tick meanwhile skips.
	var first sync.WaitGroup
	for _, id := range atStart {
		first.Add(1)
		go func(job cron.Job) { defer first.Done(); job.Run() }(c.Entry(id).WrappedJob)
	}

	<-ctx.Done()
	w.stop.Store(true)
	<-c.Stop().Done() // running jobs finish their item in hand
	first.Wait()
	return nil
}

// RunOnce runs every job once, one after another, now (by the worker's
// clock): what a tick of each would do. It is safe beside Run and beside
// other workers, as every item is claimed in Redis. It returns the items
// done, and the first error (the jobs after a failing one still run); it
// stops between jobs once Run is shutting down or ctx ends.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	total := 0
	var first error
	for _, j := range w.jobs() {
		if w.stopping(ctx) {
			break
		}
		n, err := j.runOnce(ctx)
		total += n
		if err != nil && first == nil {
			first = fmt.Errorf("%s: %w", j.name, err)
		}
	}
	return total, first
}

// report logs a run of job name: a fault at ERROR; a Redis outage at WARN
// when it begins and at INFO when it ends, not at every run while it lasts
// (jobs run every few seconds). waiting says whether the job's last run met
// an outage; report returns whether this one did.
func (w *Worker) report(name string, n int, err error, waiting bool) bool {
	switch {
	case err != nil && w.cfg.Store.Unavailable(err):
		if !waiting {
			w.cfg.Log.Warn("worker job waits for Redis; it runs again at its next tick", "job", name, "err", err)
		}
		return true
	case err != nil:
		w.cfg.Log.Error("worker job", "job", name, "done", n, "err", err)
	case n > 0:
		w.cfg.Log.Debug("worker job", "job", name, "done", n)
	}
	if waiting {
		w.cfg.Log.Info("worker job goes on: Redis answers again", "job", name)
	}
	return false
}

type slogPrintf struct{ l *slog.Logger }

func (s slogPrintf) Printf(format string, args ...any) {
	s.l.Info("cron", "msg", format, "args", args)
}

// unreachable reports whether a notification failed because the chat
// cannot be written to (so retrying is pointless).
func unreachable(err error) bool { return tori.ErrorCode(err) == tori.EFORBIDDEN }

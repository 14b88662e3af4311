// Package metrics exposes tori's Prometheus metrics at /metrics: what the
// use cases did (bookings, holds, payments, refunds, waitlist offers), what
// the worker sent (reminders), every Telegram Bot API call by method and
// result, how long updates take to handle, and the worker's queues.
package metrics

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tori-bot/tori"
)

// Registry holds every tori metric (and the Go and process collectors).
var Registry = prometheus.NewRegistry()

var (
	// Events counts use-case outcomes: event is booking, hold, payment,
	// refund or waitlist (see tori.Events).
	Events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_events_total",
		Help: "What the use cases did: event (booking, hold, payment, refund, waitlist) by outcome.",
	}, []string{"event", "outcome"})
	// Money sums payment and refund amounts, in major units.
	Money = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_money_total",
		Help: "Amounts captured and refunded, in major units (e.g. shekels), by currency.",
	}, []string{"event", "currency"})
	// Reminders counts reminders sent, and those sent late (more than five
	// minutes after they were due).
	Reminders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_reminders_total",
		Help: "Reminders sent (outcome sent), and of those the ones sent more than 5 minutes late (outcome late).",
	}, []string{"outcome"})
	// TelegramCalls counts Bot API calls by method and result (ok, 429, error).
	TelegramCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_telegram_calls_total",
		Help: "Telegram Bot API calls by method and result (ok, 429, forbidden, error).",
	}, []string{"method", "result"})
	// Updates times the handling of Telegram updates, by result.
	Updates = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tori_update_seconds",
		Help:    "Time to handle one Telegram update (de-duplication, conversation, replies), by result (ok, error).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"result"})
)

func init() {
	Registry.MustRegister(Events, Money, Reminders, TelegramCalls, Updates, queues,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// queues is the registered queue collector; WatchQueues points it at a store.
var queues = &watched{}

type watched struct {
	mu sync.Mutex
	q  *Queues
}

// WatchQueues makes /metrics report the queues of store for practice.
func WatchQueues(store QueueStater, practice *tori.Practice) {
	queues.mu.Lock()
	queues.q = &Queues{Store: store, Practice: practice}
	queues.mu.Unlock()
}

func (w *watched) Describe(ch chan<- *prometheus.Desc) { Queues{}.Describe(ch) }

func (w *watched) Collect(ch chan<- prometheus.Metric) {
	w.mu.Lock()
	q := w.q
	w.mu.Unlock()
	if q != nil {
		q.Collect(ch)
	}
}

// Handler serves the registry.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// Sink is a tori.Events that counts into Events and Money.
type Sink struct{}

// Count implements tori.Events.
func (Sink) Count(event, outcome string) {
	if event == seriesGapEvent {
		SeriesGapWeeks.WithLabelValues(outcome).Inc()
		return
	}
	Events.WithLabelValues(event, outcome).Inc()
}

// Amount implements tori.Events.
func (Sink) Amount(event string, m tori.Money) {
	Money.WithLabelValues(event, m.Currency).Add(float64(m.Amount) / math.Pow10(tori.MinorDigits(m.Currency)))
}

// QueueStater reads a queue's depth and oldest due time; storage.Store
// satisfies it.
type QueueStater interface {
	QueueStats(ctx context.Context, q tori.Queue, therapist string) (int64, time.Time, error)
}

// Queues is a collector of the worker's queue depths and the age of their
// oldest due item, read from Redis at each scrape.
type Queues struct {
	Store    QueueStater
	Practice *tori.Practice
	Now      func() time.Time
}

var (
	queueDepth = prometheus.NewDesc("tori_queue_depth", "Items in a worker queue (all therapists together).", []string{"queue"}, nil)
	queueAge   = prometheus.NewDesc("tori_queue_oldest_due_seconds", "How long the oldest due item of a queue has been due (0 when none is due).", []string{"queue"}, nil)
)

// Describe implements prometheus.Collector.
func (q Queues) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepth; ch <- queueAge }

// Collect implements prometheus.Collector.
func (q Queues) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	now := time.Now()
	if q.Now != nil {
		now = q.Now()
	}

	perTherapist := map[tori.Queue]bool{tori.QueueReminders: true, tori.QueueHoldExpiry: true}
	for _, name := range []tori.Queue{tori.QueueReminders, tori.QueueHoldExpiry, tori.QueueRefunds, tori.QueueOpenPayments, tori.QueueRelay, tori.QueueWaitlist, tori.QueueWaitEnd} {
		owners := []string{""}
		if perTherapist[name] {
			owners = nil
			for _, t := range q.Practice.Therapists {
				owners = append(owners, t.ID)
			}
		}

		// The depth, and the oldest item, over the queue's owners.
		var depth int64
		var oldest time.Time
		failed := false
		for _, o := range owners {
			n, first, err := q.Store.QueueStats(ctx, name, o)
			if err != nil {
				failed = true
				break
			}
			depth += n
			if !first.IsZero() && (oldest.IsZero() || first.Before(oldest)) {
				oldest = first
			}
		}
		if failed {
			continue // Redis did not answer: no sample rather than a wrong one
		}

		age := 0.0
		if !oldest.IsZero() && oldest.Before(now) {
			age = now.Sub(oldest).Seconds()
		}

		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(depth), string(name))
		ch <- prometheus.MustNewConstMetric(queueAge, prometheus.GaugeValue, age, string(name))
	}
}

package metrics

import "github.com/prometheus/client_golang/prometheus"

// What the Telegram outbox sent to chats other than the one answered: the
// therapists' notices, several of which may go as one message.
var (
	// OutboxMessages counts the messages notices went out in, by result
	// (sent, queued for the worker, dropped).
	OutboxMessages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_outbox_messages_total",
		Help: "Messages carrying notices to other chats, by result (sent; queued: Telegram did not take it, the worker sends it again; dropped: the chat cannot be written to).",
	}, []string{"result"})
	// OutboxNotices counts the notices in those messages, by the same
	// result: notices over messages is how many went in one.
	OutboxNotices = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_outbox_notices_total",
		Help: "Notices to other chats (therapists), by the result of the message they went in.",
	}, []string{"result"})
	// NoticeWait times a notice from being handed over to being sent (or
	// queued).
	NoticeWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tori_notice_wait_seconds",
		Help:    "Time from a notice being handed to the outbox until its message was sent (or queued for the worker).",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2, 3, 5, 10, 30, 60},
	})
)

func init() {
	Registry.MustRegister(OutboxMessages, OutboxNotices, NoticeWait)
}

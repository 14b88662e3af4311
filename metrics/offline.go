package metrics

import "github.com/prometheus/client_golang/prometheus"

// MessagesWithheld counts the messages never sent because their chat is
// a client without Telegram (or no chat at all): such a client is never
// messaged, and the sender is told the chat cannot be written to.
var MessagesWithheld = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "tori_messages_withheld_total",
	Help: "Messages not sent because they were for a client without Telegram (or no chat).",
})

func init() {
	Registry.MustRegister(MessagesWithheld)
}

package telegram

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/fault"
	"github.com/tori-bot/tori/metrics"
)

// outbox sends messages for chats other than the one being answered (a
// therapist's notices, a client told of the practice's action) beside the
// answer, never ahead of it: each chat in order, on a goroutine of its own,
// at the pace its limiter bucket allows, yielding to answers in a busy
// second (see yielding). Notices that wait together for one
// chat go as one message. A notice is in the worker's queue already when it
// comes (bot.Reply.Queued, see durable.go): once sent it is taken out, and one
// Telegram does not take is left there for the worker. Any other with a
// bot.Reply.Retry is queued for the worker when Telegram does not take it.
type outbox struct {
	t *Telegram

	mu     sync.Mutex
	chats  map[int64][]outItem // what waits, per chat with a sender running
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context // ends when a drain's time is up
	stop   context.CancelFunc
}

type outItem struct {
	r  bot.Reply
	at time.Time // when it was handed over
}

// outboxSendWithin bounds one message's sending, 429s waited out included.
const outboxSendWithin = 30 * time.Second

// noticeSeparator goes between notices merged into one message.
const noticeSeparator = "\n\n"

// maxText is the most characters Telegram takes in one message.
const maxText = 4096

func newOutbox(t *Telegram) *outbox {
	ctx, stop := context.WithCancel(context.Background())
	return &outbox{t: t, chats: map[int64][]outItem{}, ctx: ctx, stop: stop}
}

// isNotice reports whether r may be merged with others of its chat: plain
// text with a Retry member, no buttons, edit, file or relay to remember.
func isNotice(r bot.Reply) bool {
	return r.Retry != "" && r.RelayFrom == 0 && r.EditID == 0 && r.Document == nil && len(r.Keyboard) == 0
}

// post hands r to its chat's sender; false once the outbox is closed
// (the caller sends it itself).
func (o *outbox) post(r bot.Reply) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	q, running := o.chats[r.ChatID]
	o.chats[r.ChatID] = append(q, outItem{r: r, at: time.Now()})
	if !running {
		o.wg.Add(1)
		go o.run(r.ChatID)
	}
	return true
}

// run sends chat's messages until none wait.
func (o *outbox) run(chat int64) {
	defer o.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			o.t.log.Error("panic while sending to another chat", "chat", chat, "panic", p)
			o.giveUp(chat)
		}
	}()

	for {
		// The head of the queue: a notice stays there, to go with those behind it.
		o.mu.Lock()
		q := o.chats[chat]
		if len(q) == 0 {
			delete(o.chats, chat)
			o.mu.Unlock()
			return
		}
		head := q[0]
		if !isNotice(head.r) {
			o.chats[chat] = q[1:]
		}
		o.mu.Unlock()

		if isNotice(head.r) {
			o.sendNotices(chat)
		} else {
			o.sendOne(head)
		}
	}
}

// sendOne sends a message that is not merged, as the update would have.
func (o *outbox) sendOne(it outItem) {
	ctx, cancel := context.WithTimeout(yielding(o.ctx), outboxSendWithin)
	defer cancel()
	if len(o.retake(ctx, []outItem{it})) == 0 {
		return // the worker sends it
	}
	fault.Point("notice.before_send")
	err := o.t.sendNow(ctx, it.r)
	switch {
	case err == nil || final(err):
		o.t.dequeue(ctx, []bot.Reply{it.r})
	case it.r.Retry != "":
		o.queue(it.r)
	}
}

// sendNotices waits for the chat's turn, then sends every notice waiting
// at its head at that moment (as many as one message holds) as one message.
func (o *outbox) sendNotices(chat int64) {
	ctx, cancel := context.WithTimeout(yielding(o.ctx), outboxSendWithin)
	defer cancel()

	// At the chat's turn, the notices waiting then, as one message.
	var batch []outItem
	err := o.t.call(ctx, "sendMessage", chat, true, func() error {
		if batch == nil { // a retry after a 429 sends the same message again
			batch = o.retake(ctx, o.take(chat))
		}
		if len(batch) == 0 {
			return errWorkerHasIt
		}
		fault.Point("notice.before_send")
		_, err := o.t.api.SendMessage(ctx, &tg.SendMessageParams{
			ChatID: chat, Text: mergeNotices(batch), ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
		})
		return err
	})
	if batch == nil { // the turn never came (shutting down): queue them all
		batch = o.take(chat)
	}

	// Out of the worker's queue once Telegram took them (or never will),
	// else left there or queued.
	err = refusal(err)
	result := "sent"
	switch {
	case errors.Is(err, errWorkerHasIt):
		return
	case err == nil:
		o.t.dequeue(ctx, replies(batch))
	case final(err):
		result = "dropped"
		o.t.log.Warn("notice not taken, and sending it again would not help", "chat", chat, "notices", len(batch), "err", err)
		o.t.dequeue(ctx, replies(batch))
	default:
		result = "queued"
		for _, it := range batch {
			o.queue(it.r)
		}
	}

	metrics.OutboxMessages.WithLabelValues(result).Inc()
	for _, it := range batch {
		metrics.OutboxNotices.WithLabelValues(result).Inc()
		metrics.NoticeWait.Observe(time.Since(it.at).Seconds())
	}
}

// take removes the notices at the head of chat's queue that fit in one
// message (the first always).
func (o *outbox) take(chat int64) []outItem {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.chats[chat]
	n, size := 0, 0
	for n < len(q) && isNotice(q[n].r) {
		add := utf8.RuneCountInString(q[n].r.Text)
		if n > 0 {
			add += len(noticeSeparator)
		}
		if n > 0 && size+add > maxText {
			break
		}
		size += add
		n++
	}
	o.chats[chat] = q[n:]
	return q[:n:n]
}

// mergeNotices is the text of one message carrying every notice in batch.
func mergeNotices(batch []outItem) string {
	texts := make([]string, len(batch))
	for i, it := range batch {
		texts[i] = it.r.Text
	}
	return strings.Join(texts, noticeSeparator)
}

// replies are the replies of items.
func replies(items []outItem) []bot.Reply {
	out := make([]bot.Reply, len(items))
	for i, it := range items {
		out[i] = it.r
	}
	return out
}

// queue hands a message Telegram did not take to the worker's relay queue
// (one queued when handed over is there already).
func (o *outbox) queue(r bot.Reply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(o.ctx), 5*time.Second)
	defer cancel()
	_ = o.t.bot.RetryLater(ctx, r)
}

// giveUp queues everything still waiting for chat (a sender that panicked).
func (o *outbox) giveUp(chat int64) {
	o.mu.Lock()
	q := o.chats[chat]
	delete(o.chats, chat)
	o.mu.Unlock()
	for _, it := range q {
		if it.r.Retry != "" {
			o.queue(it.r)
		}
	}
}

// close stops taking messages and sends what waits, until ctx ends; what
// is still waiting then is queued for the worker.
func (o *outbox) close(ctx context.Context) {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		o.stop() // the senders' waits end: they queue what they hold
		<-done
	}
}

// Package telegram is tori's Telegram adapter: it connects the
// conversation (package bot) to the Bot API with go-telegram/bot, by long
// polling or a webhook, turns updates into the conversation's inputs and
// its replies into Bot API calls, paced by a limiter, with what goes to
// other chats sent by an outbox beside the answer. Package telegramtest is
// a fake Bot API server for its tests and the preview.
package telegram

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/metrics"
)

// Telegram connects a bot.Bot to the Telegram Bot API with go-telegram/bot.
//
// Updates of one chat are handled one at a time and in the order Telegram
// sent them; different chats run concurrently. Each update_id is handled
// once (de-duplicated in Redis), every callback query is answered, and no
// panic leaves a handler.
type Telegram struct {
	bot      *bot.Bot
	api      *tg.Bot
	store    Store
	log      *slog.Logger
	now      func() time.Time
	username string
	locks    keyedMutex
	queue    chatQueue
	limiter  *Limiter
	out      *outbox      // what goes to other chats than the one answered
	readyAt  atomic.Int64 // when getMe last answered, unix ns

	onUpdate func(time.Duration)
}

// Store is what the adapter keeps in Redis: which updates were handled,
// each chat's lock across replicas, the relayed messages, and the notices
// waiting in the worker's relay queue. storage.Store satisfies it. Errors
// are EINTERNAL.
type Store interface {
	// Claim claims an external event (kind "tg": a Telegram update,
	// "chat": a chat's lock) for lease; false when it is being handled or
	// was handled. Finish marks it handled for keep; Forget drops the
	// claim after a failure, so that a re-delivery is handled.
	Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error)
	// ClaimUpdate claims a Telegram update and reads its sender's chosen
	// language ("" if none) and, when stateOf is not 0, that chat's state
	// (nil if none) in one round trip; done claims it as handled already
	// (Handled says so), for a caller that will not Finish it. A failed
	// claim still returns the language if it was read.
	ClaimUpdate(ctx context.Context, id string, lease time.Duration, userID int64, done bool, stateOf int64) (bool, string, []byte, error)
	Finish(ctx context.Context, kind, id string, keep time.Duration) error
	Forget(ctx context.Context, kind, id string) error
	// Handled reports whether a claimed event was finished; Attempt counts
	// a failed attempt at one and returns the count so far.
	Handled(ctx context.Context, kind, id string) (bool, error)
	Attempt(ctx context.Context, kind, id string, keep time.Duration) (int, error)
	// SaveRelay remembers that message msg in an admin's chat relays a
	// client's message (bot.Reply.RelayFrom).
	SaveRelay(ctx context.Context, adminChat int64, msg int, clientChat int64) error
	// EnqueueAll puts several items in their queues in one round trip;
	// Dequeue removes members whose work was done elsewhere; Retake claims,
	// for lease, queued items no worker has claimed (false for the others).
	// See durable.go.
	EnqueueAll(ctx context.Context, items []tori.Queued) error
	Dequeue(ctx context.Context, q tori.Queue, therapist string, members ...string) error
	Retake(ctx context.Context, items []tori.Queued, now time.Time, lease time.Duration) ([]bool, error)
	// Unavailable reports whether err is the store unable to take a command
	// this moment (down, out of memory, failing over).
	Unavailable(err error) bool
}

// Config is what the adapter depends on, and how it connects.
type Config struct {
	Bot   *bot.Bot
	Store Store
	Now   func() time.Time // the bot's clock (default time.Now): when queued notices come due
	Log   *slog.Logger     // default slog.Default()

	Token  string
	APIURL string // a non-default Bot API server (or a test fake); "" for api.telegram.org
	// PollTimeout is the long-polling timeout (default 50 s).
	PollTimeout time.Duration
	// Limiter spaces every message sent or edited (default: 25 in any
	// second overall; in a chat, 3 at once, then one a second).
	Limiter *Limiter
	// OnUpdate, if set, is told how long each update took to handle (as
	// tori_update_seconds is); tori bench reads its percentiles from it.
	OnUpdate func(time.Duration)
}

// Connect checks the token with getMe, learns the bot's username and
// returns the connection. It does not start polling (see Run).
func Connect(ctx context.Context, o Config) (*Telegram, error) {
	if o.Bot == nil || o.Store == nil {
		return nil, errors.New("telegram: Config.Bot and Config.Store are required")
	}

	// The adapter, its defaults filled.
	t := &Telegram{bot: o.Bot, store: o.Store, log: o.Log, now: o.Now, limiter: o.Limiter, onUpdate: o.OnUpdate}
	if t.limiter == nil {
		t.limiter = &Limiter{}
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.now == nil {
		t.now = time.Now
	}
	t.out = newOutbox(t)

	// The library's client: it only queues what it polls (see dispatch).
	poll := o.PollTimeout
	if poll == 0 {
		poll = 50 * time.Second
	}
	opts := []tg.Option{
		tg.WithSkipGetMe(),
		tg.WithNotAsyncHandlers(), // the library's worker only queues; see dispatch
		tg.WithDefaultHandler(t.dispatch),
		tg.WithMiddlewares(t.recoverMiddleware),
		tg.WithErrorsHandler(t.pollError),
		// Connections kept for many sends at once (the default keeps two,
		// and a busy bot would open a new TLS connection per message).
		tg.WithHTTPClient(poll, &http.Client{Transport: transport(nil, poll+10*time.Second)}),
		tg.WithAllowedUpdates(tg.AllowedUpdates{"message", "callback_query"}),
	}
	if o.APIURL != "" {
		opts = append(opts, tg.WithServerURL(strings.TrimRight(o.APIURL, "/")))
	}
	api, err := tg.New(o.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	t.api = api

	// The token checked, and the bot's @username learned.
	me, err := api.GetMe(ctx)
	if err != nil {
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return nil, fmt.Errorf("Telegram refused TELEGRAM_BOT_TOKEN (%w): check the token @BotFather gave you", err)
		}
		return nil, fmt.Errorf("Telegram is not reachable (getMe: %w): check the network or TELEGRAM_API_URL", err)
	}
	t.username = me.Username
	t.bot.SetUsername(me.Username)
	return t, nil
}

// Username is the bot's @username.
func (t *Telegram) Username() string { return t.username }

// RegisterCommands sets the command menus (bot.Menus): the clients' in
// English (the default) and Hebrew, and each of the practice's people's in
// their chat, where a failure is only logged (they may not have started
// the bot yet).
func (t *Telegram) RegisterCommands(ctx context.Context) error {
	for _, m := range t.bot.Menus() {
		p := &tg.SetMyCommandsParams{LanguageCode: m.LanguageCode}
		for _, it := range m.Items {
			p.Commands = append(p.Commands, models.BotCommand{Command: it.Command, Description: it.Description})
		}
		if m.Chat != 0 {
			p.Scope = &models.BotCommandScopeChat{ChatID: m.Chat}
		}
		_, err := t.api.SetMyCommands(ctx, p)
		switch {
		case err != nil && m.Chat != 0:
			t.log.Warn("admin command menu not set (the admin may not have started the bot yet)", "chat", m.Chat, "err", err)
		case err != nil:
			return fmt.Errorf("setMyCommands (%s): %w", cmp.Or(m.LanguageCode, "en"), err)
		}
	}
	return nil
}

// Run long-polls Telegram until ctx ends, then waits for updates in hand
// and for what they send to other chats (see Close). Call PrepareToPoll
// first.
func (t *Telegram) Run(ctx context.Context) {
	t.api.Start(ctx)
	t.queue.wait()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeWithin)
	defer cancel()
	t.Close(cctx)
}

// closeWithin bounds how long Run sends what waits for other chats.
const closeWithin = 10 * time.Second

// Close sends what waits for other chats (notices to therapists) until
// ctx ends, and queues for the worker what is still waiting then (a
// notice is late, never lost). Later sends are made at once, by their
// caller. Call it when no more updates come: after Run, or once a webhook
// server has shut down and the worker has stopped.
func (t *Telegram) Close(ctx context.Context) { t.out.close(ctx) }

// PrepareToPoll checks that no webhook is set, since Telegram does not let
// a bot with a webhook be polled. A webhook is set when tori runs in
// webhook mode elsewhere: polling would take every update from those
// replicas, so it is removed only when takeOver says to (its pending
// updates are kept); otherwise PrepareToPoll says what to do.
func (t *Telegram) PrepareToPoll(ctx context.Context, takeOver bool) error {
	info, err := t.api.GetWebhookInfo(ctx)
	if err != nil {
		return fmt.Errorf("could not ask Telegram whether a webhook is set: %w", err)
	}
	if info.URL == "" {
		return nil
	}
	if !takeOver {
		return fmt.Errorf("this bot has a webhook (%s): tori runs in webhook mode somewhere and gets its updates there, so this process will not poll; start it with --webhook (TELEGRAM_WEBHOOK=true) to join those replicas, or set TELEGRAM_WEBHOOK=false to switch the bot back to long polling", info.URL)
	}
	if err := t.DeleteWebhook(ctx); err != nil {
		return fmt.Errorf("could not remove the webhook %s to poll instead: %w", info.URL, err)
	}
	t.log.Warn("webhook removed: this process now long-polls for the bot's updates (TELEGRAM_WEBHOOK=false)", "was", info.URL)
	return nil
}

func (t *Telegram) recoverMiddleware(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, api *tg.Bot, u *models.Update) {
		defer func() {
			if r := recover(); r != nil {
				t.log.Error("panic in a Telegram handler", "update", u.ID, "panic", r)
			}
		}()
		next(ctx, api, u)
	}
}

// dispatch queues the update behind earlier updates of its chat.
func (t *Telegram) dispatch(ctx context.Context, _ *tg.Bot, u *models.Update) {
	t.queue.push(chatOf(u), func() {
		// An update in hand is finished even when shutdown begins, within a bound.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 25*time.Second)
		defer cancel()
		// A region of an execution trace (tori bench -trace): free when no
		// trace is being taken.
		defer trace.StartRegion(pctx, "update").End()
		t.Process(pctx, u)
	})
}

// Process handles one long-polled update to the end: de-duplication, the
// conversation, the callback answer and every reply. Safe for concurrent
// use; updates of one chat are serialized. An update is handled even when
// Redis cannot de-duplicate it (Telegram will not send it again).
//
// The library confirms an update with its next poll, right after queueing
// it, so Telegram delivers it again only if the process dies in between:
// the claim is the done marker itself, kept as long as a handled update's
// (a webhook delivery of it, after a switch of mode, is skipped as
// handled), and an update costs one round trip to Redis less. The chat's
// lock is taken before the claim, so that the chat's state read beside the
// claim is not changed by another update of the chat before this one is
// handled. (A payment settling or a hold running out may clear it
// meanwhile, as they may after any read; what acts on a hold checks the
// hold itself.)
func (t *Telegram) Process(ctx context.Context, u *models.Update) {
	in, ok := inputOf(u)
	if !ok {
		return
	}
	var err error
	defer t.timed(time.Now(), &err)

	unlock := t.locks.lock(in.User.ChatID)
	defer unlock()

	var stateOf int64
	if bot.WantsState(in) {
		stateOf = in.User.ChatID
	}
	claimed, chosen, st, cerr := t.store.ClaimUpdate(ctx, updateID(u), updateKept, in.User.ID, true, stateOf)
	in.Chosen, in.ChosenKnown = chosen, true // on a failure, the language if it was read, else Telegram's
	in.State, in.StateKnown = st, stateOf != 0 && cerr == nil
	switch {
	case cerr != nil:
		// Redis is down: handle it anyway (the conversation will say what
		// failed) rather than leave the user without an answer.
		t.logFailure("claim update", cerr, "update", u.ID, "chat", in.User.ChatID)
	case !claimed:
		t.log.Info("update delivered again; skipped", "update", u.ID, "chat", in.User.ChatID)
		return
	}

	defer t.recoverInto(&err, "update", u.ID, "chat", in.User.ChatID)
	t.answer(ctx, u, in)
}

// processWebhook handles one update Telegram posted, and returns an error
// for Telegram to deliver it again (it is answered only once handled):
// errSeenBusy when another replica has it in hand, or the failure.
//
// The claim is a lease of webhookLease, marked done for updateKept once
// the update is handled and dropped if handling fails, so that a
// re-delivery is handled once and only once. The chat's lock is taken
// after the claim (a delivery of an update in hand elsewhere is answered
// at once), here and across the replicas, and the language and state are
// read under it (another replica may be changing them).
func (t *Telegram) processWebhook(ctx context.Context, u *models.Update) (err error) {
	in, ok := inputOf(u)
	if !ok {
		return nil
	}
	defer t.timed(time.Now(), &err)

	id := updateID(u)
	claimed, _, _, err := t.store.ClaimUpdate(ctx, id, webhookLease, in.User.ID, false, 0)
	switch {
	case err != nil:
		return err
	case !claimed:
		if done, err := t.store.Handled(ctx, "tg", id); err != nil || !done {
			return errSeenBusy // another replica has it in hand: answer later
		}
		t.log.Info("update delivered again; skipped", "update", u.ID, "chat", in.User.ChatID)
		return nil
	}

	// Marked done once handled, or dropped (a panic included).
	done := false
	defer t.settle(ctx, id, &done)
	defer t.recoverInto(&err, "update", u.ID, "chat", in.User.ChatID)

	// One update of a chat at a time, in this process and across replicas.
	unlock := t.locks.lock(in.User.ChatID)
	defer unlock()
	release, err := t.chatLock(ctx, in.User.ChatID)
	if err != nil {
		return err
	}
	defer release()

	t.answer(ctx, u, in)
	done = true
	return nil
}

// updateKept is how long a handled update's id is remembered.
const updateKept = 48 * time.Hour

// webhookLease is how long a webhook update's claim lasts while it is
// being handled.
const webhookLease = 2 * time.Minute

// errSeenBusy: another replica is handling this update right now.
var errSeenBusy = errors.New("update in hand elsewhere")

// updateID is the update's id as its claim names it.
func updateID(u *models.Update) string { return strconv.FormatInt(u.ID, 10) }

// timed records how long an update took, and whether it failed
// (tori_update_seconds, and OnUpdate).
func (t *Telegram) timed(start time.Time, err *error) {
	observeUpdate(start, *err)
	if t.onUpdate != nil {
		t.onUpdate(time.Since(start))
	}
}

// recoverInto, deferred, turns a panic into *err (wrapping what panicked
// when it is an error) and logs it with args.
func (t *Telegram) recoverInto(err *error, args ...any) {
	r := recover()
	if r == nil {
		return
	}
	t.log.Error("panic while processing an update", append(args, "panic", r)...)
	if e, ok := r.(error); ok {
		*err = fmt.Errorf("panic: %w", e)
		return
	}
	*err = fmt.Errorf("panic: %v", r)
}

// settle, deferred, marks a webhook update's claim done, or drops it when
// the update was not handled (*done false), on a context of its own: the
// update's may be what ran out.
func (t *Telegram) settle(ctx context.Context, id string, done *bool) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if !*done {
		t.forget(cctx, "tg", id)
		return
	}
	if err := t.store.Finish(cctx, "tg", id, updateKept); err != nil {
		t.logFailure("finish update", err, "update", id)
	}
}

// answer handles in and sends what it calls for. The user who acted is
// answered first, waiting on no other chat's turn; then what goes to other
// chats is written to the worker's queue (one round trip: a process that
// dies before sending it does not lose it) and handed to the outbox, which
// sends it beside the update's end. The chat's new state is saved beside
// the replies (the next update of the chat waits for this one to be done),
// and a button's answer goes out beside them too, not before them: the
// edit a press brings shows a round trip to Telegram sooner. answer
// returns when all are done.
func (t *Telegram) answer(ctx context.Context, u *models.Update, in bot.Input) {
	in.DeferSave = true
	res := t.bot.Handle(ctx, in)
	own, others := splitReplies(res.Replies, in.User.ChatID)

	if res.SaveState != nil {
		defer t.beside(u, "saving the chat's state", func() { res.SaveState(ctx) })()
	}
	if in.CallbackID != "" {
		defer t.beside(u, "answering a button", func() {
			t.call(ctx, "answerCallbackQuery", 0, false, func() error {
				_, err := t.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: in.CallbackID, Text: res.Notice, ShowAlert: res.Alert})
				return err
			})
		})()
	}

	for _, r := range own {
		t.sendOrQueue(ctx, r)
	}
	others = t.queueNotices(ctx, others, hasRetry)
	for _, r := range others {
		if !t.out.post(r) {
			t.sendOrQueue(ctx, r)
		}
	}
}

// forget drops a claim, trying again until ctx ends: an update's after a
// failure (kind "tg"), or a chat's lock once its update is done ("chat").
// A claim left behind would have every delivery of the update refused as
// in hand elsewhere (errSeenBusy) until its lease runs out; a lock left
// behind would hold the chat's next updates as long, then refuse them. The
// failure is often Redis's, and Redis may refuse a call for a moment after
// it is back (go-redis fails calls fast with the last dial error until its
// next probe, up to a second later).
func (t *Telegram) forget(ctx context.Context, kind, id string) {
	for {
		err := t.store.Forget(ctx, kind, id)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.logFailure("drop a claim", err, "kind", kind, "id", id)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logFailure logs a step that failed: a Redis outage as a warning, anything
// else as a fault (ERROR).
func (t *Telegram) logFailure(msg string, err error, args ...any) {
	args = append(args, "err", err)
	if t.store.Unavailable(err) {
		t.log.Warn(msg+": Redis unavailable", args...)
		return
	}
	t.log.Error(msg, args...)
}

// splitReplies separates the replies to chat (in order) from those to
// other chats.
func splitReplies(replies []bot.Reply, chat int64) (own, others []bot.Reply) {
	for _, r := range replies {
		if r.ChatID == chat {
			own = append(own, r)
		} else {
			others = append(others, r)
		}
	}
	return own, others
}

// sendOrQueue sends r now; a relayed message or a notice Telegram does not
// take is queued for the worker, never lost.
func (t *Telegram) sendOrQueue(ctx context.Context, r bot.Reply) {
	if err := t.sendQueued(ctx, r); err != nil && r.Retry != "" && !final(err) {
		_ = t.bot.RetryLater(ctx, r)
	}
}

// sendQueued sends r now, and takes it out of the worker's queue if it
// was queued when handed over and Telegram took it (or refused it for good).
func (t *Telegram) sendQueued(ctx context.Context, r bot.Reply) error {
	err := t.sendNow(ctx, r)
	if err == nil || final(err) {
		t.dequeue(ctx, []bot.Reply{r})
	}
	return err
}

// beside runs f on a goroutine of its own, a panic in it logged, and
// returns what waits for it to end.
func (t *Telegram) beside(u *models.Update, what string, f func()) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.log.Error("panic while "+what, "update", u.ID, "panic", r)
			}
		}()
		f()
	}()
	return func() { <-done }
}

// chatLock takes a chat's lock in Redis (shared by every replica), waiting
// up to 10 seconds for an update of the chat in hand elsewhere.
func (t *Telegram) chatLock(ctx context.Context, chat int64) (func(), error) {
	id := strconv.FormatInt(chat, 10)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := t.store.Claim(ctx, "chat", id, 30*time.Second)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				t.forget(cctx, "chat", id)
			}, nil
		}
		if time.Now().After(deadline) {
			return nil, errSeenBusy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// chatOf is the chat an update belongs to (0 for kinds we ignore).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// inputOf turns a private message or a button press into an Input.
func inputOf(u *models.Update) (bot.Input, bool) {
	client := func(f *models.User, chat int64) tori.Client {
		if f == nil {
			return tori.Client{ChatID: chat}
		}
		return tori.Client{ID: f.ID, ChatID: chat, Name: strings.TrimSpace(f.FirstName + " " + f.LastName), Username: f.Username, Lang: f.LanguageCode}
	}

	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate || m.From == nil || m.From.IsBot {
			return bot.Input{}, false
		}
		in := bot.Input{User: client(m.From, m.Chat.ID), Text: m.Text}
		if m.ReplyToMessage != nil {
			in.ReplyTo = m.ReplyToMessage.ID
		}
		return in, true

	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		in := bot.Input{User: client(&q.From, q.From.ID), Data: q.Data, CallbackID: q.ID}
		switch {
		case q.Message.Message != nil:
			in.User.ChatID, in.MessageID = q.Message.Message.Chat.ID, q.Message.Message.ID
		case q.Message.InaccessibleMessage != nil:
			in.User.ChatID = q.Message.InaccessibleMessage.Chat.ID
		}
		if in.Data == "" {
			in.Data = "-" // a game or inline button: refused as stale, still answered
		}
		return in, true
	}
	return bot.Input{}, false
}

func markup(kb [][]bot.Button) models.ReplyMarkup {
	if len(kb) == 0 {
		return nil
	}
	rows := make([][]models.InlineKeyboardButton, len(kb))
	for i, row := range kb {
		for _, b := range row {
			rows[i] = append(rows[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

var noPreview = &models.LinkPreviewOptions{IsDisabled: tg.True()}

// Deliver sends replies produced outside of an update (a payment settled).
// Its notices are queued for the worker first, in one round trip (see Send).
func (t *Telegram) Deliver(ctx context.Context, replies []bot.Reply) error {
	replies = t.queueNotices(ctx, replies, isNotice)
	var failed error
	var retry []bot.Reply
	delivered := 0
	for _, r := range replies {
		switch err := t.Send(ctx, r); {
		case err == nil:
			delivered++
		case !final(err):
			failed = err
			if r.Retry != "" {
				retry = append(retry, r)
			}
		}
	}
	if delivered > 0 {
		// The caller counts this as done: a notice that did not go out is
		// queued for the worker rather than lost.
		for _, r := range retry {
			_ = t.bot.RetryLater(ctx, r)
		}
		return nil
	}
	return failed
}

// Send delivers one reply and reports a failure: bot.ErrUnreachable when
// the chat cannot be written to (the user blocked the bot, or never
// started it), bot.ErrRefused when Telegram refused the message as it is,
// another error when Telegram did not take it (worth a retry). A notice
// (plain text with a bot.Reply.Retry, see isNotice) is handed to the
// outbox instead, queued for the worker first (unless it was already,
// bot.Reply.Queued), and Send returns nil at once: it goes out within
// moments, merged with other notices waiting for its chat, or the worker
// sends it if Telegram does not take it (or this process dies first).
func (t *Telegram) Send(ctx context.Context, r bot.Reply) error {
	if err := withhold(r); err != nil {
		return err
	}
	if !isNotice(r) {
		return t.sendNow(ctx, r)
	}
	r = t.queueNotices(ctx, []bot.Reply{r}, isNotice)[0]
	if t.out.post(r) {
		return nil
	}
	return t.sendQueued(ctx, r)
}

// sendNow is Send without the outbox: the reply goes now, in the caller.
func (t *Telegram) sendNow(ctx context.Context, r bot.Reply) error {
	if err := withhold(r); err != nil {
		return err
	}
	return refusal(t.deliver(ctx, r))
}

// withhold refuses a reply to a client without Telegram (or to no chat):
// bot.ErrWithheld, final, so nobody retries it, and counted. Every message
// goes through Send or sendNow, so none ever reaches such a client.
func withhold(r bot.Reply) error {
	if tori.Reachable(r.ChatID) {
		return nil
	}
	metrics.MessagesWithheld.Inc()
	return bot.ErrWithheld
}

// refusal puts a failed call in the conversation's terms, its cause kept:
// a chat the bot may not write to is bot.ErrUnreachable, a request
// Telegram refused as it is bot.ErrRefused.
func refusal(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tg.ErrorForbidden) || strings.Contains(err.Error(), "chat not found"):
		return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
	case errors.Is(err, tg.ErrorBadRequest):
		return fmt.Errorf("%w: %w", bot.ErrRefused, err)
	}
	return err
}

// final reports a failed send that sending again would not change: the
// chat cannot be written to, or Telegram refused the request itself.
func final(err error) bool {
	return errors.Is(err, bot.ErrUnreachable) || errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorForbidden)
}

// deliver sends a reply, or edits the flow's message in place. An edit
// that Telegram refuses (the message is too old or gone) becomes a new
// message; "not modified" is success.
func (t *Telegram) deliver(ctx context.Context, r bot.Reply) error {
	if d := r.Document; d != nil {
		return t.call(ctx, "sendDocument", r.ChatID, true, func() error {
			// The upload is read by each attempt: a fresh reader every time.
			_, err := t.api.SendDocument(ctx, &tg.SendDocumentParams{
				ChatID:   r.ChatID,
				Document: &models.InputFileUpload{Filename: d.Name, Data: bytes.NewReader(d.Data)},
				Caption:  d.Caption, ParseMode: models.ParseModeHTML,
			})
			return err
		})
	}

	// An edit in place, unless Telegram cannot edit the message.
	if r.EditID != 0 {
		err := t.call(ctx, "editMessageText", r.ChatID, false, func() error {
			_, err := t.api.EditMessageText(ctx, &tg.EditMessageTextParams{
				ChatID: r.ChatID, MessageID: r.EditID, Text: r.Text, ParseMode: models.ParseModeHTML,
				LinkPreviewOptions: noPreview, ReplyMarkup: markup(r.Keyboard),
			})
			return err
		})
		if err == nil || strings.Contains(err.Error(), "message is not modified") {
			return nil
		}
		if !cannotEdit(err) {
			return err // it may have been applied: a new message would duplicate it
		}
	}

	// A new message; a relayed one is remembered, so a reply to it reaches the client.
	var sent *models.Message
	err := t.call(ctx, "sendMessage", r.ChatID, true, func() error {
		var err error
		sent, err = t.api.SendMessage(ctx, &tg.SendMessageParams{
			ChatID: r.ChatID, Text: r.Text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: noPreview, ReplyMarkup: markup(r.Keyboard),
		})
		return err
	})
	if err == nil && r.RelayFrom != 0 && sent != nil {
		if err := t.store.SaveRelay(ctx, r.ChatID, sent.ID, r.RelayFrom); err != nil {
			t.log.Error("remember a relayed message", "err", err)
		}
	}
	return err
}

// cannotEdit reports whether Telegram refused an edit because the message
// cannot be edited (gone, too old, not ours), so a new message must go out.
func cannotEdit(err error) bool {
	if !errors.Is(err, tg.ErrorBadRequest) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "message to edit not found") || strings.Contains(msg, "message can't be edited") ||
		strings.Contains(msg, "MESSAGE_ID_INVALID")
}

// call runs one Bot API call through the limiter, waiting out a 429
// (retry_after) up to three times, and logs a failure. chat is the chat it
// writes to (0 for a call that is not a message, such as a callback
// answer); perChat asks for the chat's spacing too (new messages).
func (t *Telegram) call(ctx context.Context, method string, chat int64, perChat bool, f func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if chat != 0 {
			spaced := chat
			if !perChat {
				spaced = 0
			}
			if err := t.limiter.Wait(ctx, spaced); err != nil {
				return err
			}
		}

		err = f()
		if errors.Is(err, errWorkerHasIt) {
			return err // nothing was sent
		}
		metrics.TelegramCalls.WithLabelValues(method, callResult(err)).Inc()
		var tooMany *tg.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			if ctx.Err() == nil && serverError(err) {
				// Telegram is failing: everyone pauses, so an outage is not hammered.
				t.limiter.Backoff(0, serverErrorPause)
			}
			break
		}

		// A 429: waited out, then tried again.
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		t.limiter.Backoff(chat, wait) // the last attempt's too: the next sender waits it out
		if attempt == 3 {
			break
		}
		if chat == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}

	if err != nil && !strings.Contains(err.Error(), "message is not modified") {
		t.log.Warn("telegram call failed", "err", err)
	}
	return err
}

// serverErrorPause is how long nothing is sent after Telegram answered
// 5xx or could not be reached (it gives no retry_after then).
const serverErrorPause = time.Second

// serverError reports whether a Bot API call failed on Telegram's side: a
// 5xx answer, or no answer at all. go-telegram/bot reports both as plain
// errors: "error response from telegram for method M, CODE description"
// and "error do request for method M, ...".
func serverError(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error do request for method ") {
		return true
	}
	rest, ok := strings.CutPrefix(msg, "error response from telegram for method ")
	if !ok {
		return false
	}
	_, code, _ := strings.Cut(rest, ", ")
	return len(code) >= 3 && code[0] == '5' && strings.Trim(code[:3], "0123456789") == ""
}

// keyedMutex serializes work per chat.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[int64]*refMutex
}

type refMutex struct {
	sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key int64) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[int64]*refMutex{}
	}
	m := k.locks[key]
	if m == nil {
		m = &refMutex{}
		k.locks[key] = m
	}
	m.refs++
	k.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		k.mu.Lock()
		if m.refs--; m.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// chatQueue runs jobs of one chat in order, one at a time, and jobs of
// different chats concurrently.
type chatQueue struct {
	mu      sync.Mutex
	pending map[int64][]func()
	wg      sync.WaitGroup
}

// push runs job after the jobs of chat pushed before it.
func (q *chatQueue) push(chat int64, job func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending = map[int64][]func(){}
	}
	if jobs, running := q.pending[chat]; running {
		q.pending[chat] = append(jobs, job)
		return
	}

	// The chat's runner: its jobs, until none wait.
	q.pending[chat] = []func(){}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		for job != nil {
			job()
			q.mu.Lock()
			if jobs := q.pending[chat]; len(jobs) > 0 {
				job, q.pending[chat] = jobs[0], jobs[1:]
			} else {
				job = nil
				delete(q.pending, chat)
			}
			q.mu.Unlock()
		}
	}()
}

func (q *chatQueue) wait() { q.wg.Wait() }

// Package telegramtest is a fake Telegram Bot API server for tests: the
// real go-telegram/bot client talks to it over HTTP exactly as it talks to
// api.telegram.org. It keeps each chat's messages (with their inline
// keyboards, edited in place), feeds updates through getUpdates (or a
// webhook), and answers like Telegram does, errors included: 401 for a
// wrong token, 400 for unparsable HTML, over-long text or button data, a
// message that is not modified, a callback query answered twice or a chat
// that never started the bot, injected 429s with retry_after, and (Limit)
// 429s for sending faster than Telegram allows. On the test side
// (drive.go), users send messages and press buttons, and tests read what
// the bot sent, waiting with a deadline (never sleeping).
package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Token is the bot token the fake accepts, of @BotFather's form (tori
// refuses any other).
const Token = "123456:TEST-token-0123456789abcdefABCDEFGH"

// BotUsername is the fake bot's @username.
const BotUsername = "ToriTestBot"

// User is a Telegram user who talks to the bot.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Button is an inline keyboard button as the bot sent it.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is a message the bot sent (or edited) in a chat.
type Message struct {
	ID       int
	ChatID   int64
	Text     string // as sent, with HTML tags (a document's caption)
	Keyboard [][]Button
	Edits    int
	File     *File // a sent document
}

// File is a document the bot sent.
type File struct {
	Name string
	Data []byte
}

// Call is one Bot API request the fake received.
type Call struct {
	Method string
	Form   map[string]string
	At     time.Time // when it came
}

// Server is the fake Bot API.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	changed  chan struct{}           // closed and replaced on every change
	chatWait map[int64]chan struct{} // closed when the chat's messages change
	nextMsg  int
	nextUpd  int64
	updates  []json.RawMessage // not yet confirmed by getUpdates' offset (or delivered)
	updIDs   []int64
	updChats []int64        // the chat of each pending update
	chats    map[int64]bool // chats that started the bot
	messages map[int64][]*Message
	queries  map[string]bool // callback query id -> answered
	answers  map[string]string
	alerts   map[string]bool   // callback query id -> answered with show_alert
	commands map[string]string // language_code -> JSON commands
	calls    []Call
	faults   map[string][]fault
	timed    map[string]timedFault // method -> fails until
	limits   limits                // Telegram's send limits, when enforced (Limit)
	polling  int
	quit     chan struct{} // closed by Close: long polls return at once

	// Webhook mode: while hook is set, updates are POSTed to it one at a
	// time, in order, with the secret in X-Telegram-Bot-Api-Secret-Token; an
	// answer other than 2xx is retried after RetryDelay, as Telegram does.
	hook       Webhook
	delivering bool
	posts      []Post
	RetryDelay time.Duration
}

// Webhook is what setWebhook registered.
type Webhook struct {
	URL, Secret, AllowedUpdates string
	MaxConnections              int
}

// Post is one webhook delivery the fake made, and the status it got.
type Post struct {
	UpdateID int64
	Status   int
}

type fault struct {
	code       int
	retryAfter int
	chat       int64 // only a call for this chat (0: any)
}

type timedFault struct {
	fault
	until time.Time
}

// New starts a fake server; Close it when done.
func New() *Server {
	s := NewUnstarted()
	s.Start()
	return s
}

// NewUnstarted is a fake server not yet started: its http.Server (Config)
// may be set up first (a handler around its own, timeouts); then Start.
func NewUnstarted() *Server {
	s := &Server{
		changed:  make(chan struct{}),
		chatWait: map[int64]chan struct{}{},
		chats:    map[int64]bool{},
		messages: map[int64][]*Message{},
		queries:  map[string]bool{},
		answers:  map[string]string{},
		alerts:   map[string]bool{},
		commands: map[string]string{},
		faults:   map[string][]fault{},
		timed:    map[string]timedFault{},
		quit:     make(chan struct{}),
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	return s
}

// Close ends pending long polls and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.mu.Unlock()
	s.Server.Close()
}

func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// notifyChat wakes what waits on chat's messages (and what waits on any
// change). Waiters of other chats sleep on: a load of many chats does not
// wake every waiter on every message.
func (s *Server) notifyChat(chat int64) {
	if ch, ok := s.chatWait[chat]; ok {
		close(ch)
		delete(s.chatWait, chat)
	}
	s.notify()
}

// chatChanged is closed at the next change of chat's messages; s.mu held.
func (s *Server) chatChanged(chat int64) chan struct{} {
	ch, ok := s.chatWait[chat]
	if !ok {
		ch = make(chan struct{})
		s.chatWait[chat] = ch
	}
	return ch
}

type reply struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result,omitempty"`
	ErrorCode   int    `json:"error_code,omitempty"`
	Description string `json:"description,omitempty"`
	Parameters  any    `json:"parameters,omitempty"`
}

func write(w http.ResponseWriter, r reply) {
	w.Header().Set("Content-Type", "application/json")
	if !r.OK {
		w.WriteHeader(r.ErrorCode)
	}
	_ = json.NewEncoder(w).Encode(r)
}

func fail(code int, desc string) reply { return reply{ErrorCode: code, Description: desc} }

// serve answers one Bot API request: the token checked, the call
// recorded, an injected fault or a send limit answered, else the method.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || r.Method != http.MethodPost {
		write(w, fail(404, "Not Found"))
		return
	}
	if token != Token {
		write(w, fail(401, "Unauthorized"))
		return
	}

	form, file := readForm(r)
	if res, refused := s.refuse(method, form); refused {
		write(w, res)
		return
	}
	write(w, s.handle(method, r, form, file))
}

// refuse records a call, and refuses it with the fault injected for it
// (FailNext, FailFor) or, past the limits enforced (Limit), with a 429.
func (s *Server) refuse(method string, form map[string]string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.calls = append(s.calls, Call{Method: method, Form: form, At: now})

	if f, ok := s.takeFault(method, form, now); ok {
		if f.code == 429 {
			return tooMany(f.retryAfter), true
		}
		return fail(f.code, "Internal Server Error"), true
	}
	res, admitted := s.admit(method, form, now)
	return res, !admitted
}

// takeFault is the fault injected for a call of method now: FailFor's
// until it ends, else the first of FailNext's for the call's chat (taken);
// s.mu held.
func (s *Server) takeFault(method string, form map[string]string, now time.Time) (fault, bool) {
	if tf, ok := s.timed[method]; ok {
		if now.Before(tf.until) {
			return tf.fault, true
		}
		delete(s.timed, method)
	}

	chat, _ := strconv.ParseInt(form["chat_id"], 10, 64)
	i := slices.IndexFunc(s.faults[method], func(f fault) bool { return f.chat == 0 || f.chat == chat })
	if i < 0 {
		return fault{}, false
	}
	f := s.faults[method][i]
	s.faults[method] = slices.Delete(s.faults[method], i, i+1)
	return f, true
}

// tooMany is Telegram's 429, with the seconds to wait.
func tooMany(retryAfter int) reply {
	r := fail(429, "Too Many Requests: retry after "+strconv.Itoa(retryAfter))
	r.Parameters = map[string]int{"retry_after": retryAfter}
	return r
}

// handle answers a call of a method the fake knows, or 404.
func (s *Server) handle(method string, r *http.Request, form map[string]string, file *File) reply {
	switch method {
	case "getMe":
		return reply{OK: true, Result: User{ID: 123456, IsBot: true, FirstName: "Tori", Username: BotUsername}}
	case "getUpdates":
		return s.getUpdates(r, form)
	case "sendMessage":
		return s.sendMessage(form)
	case "editMessageText":
		return s.editMessageText(form)
	case "sendDocument":
		return s.sendDocument(form, file)
	case "answerCallbackQuery":
		return s.answerCallbackQuery(form)
	case "setMyCommands":
		return s.setMyCommands(form)
	case "setWebhook":
		return s.setWebhook(form)
	case "deleteWebhook":
		return s.deleteWebhook()
	case "getWebhookInfo":
		return s.getWebhookInfo()
	}
	return fail(404, "Not Found: method "+method+" is not faked")
}

func (s *Server) setMyCommands(form map[string]string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[form["language_code"]] = form["commands"]
	return reply{OK: true, Result: true}
}

func (s *Server) deleteWebhook() reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = Webhook{}
	return reply{OK: true, Result: true}
}

func (s *Server) getWebhookInfo() reply {
	s.mu.Lock()
	h := s.hook
	s.mu.Unlock()
	return reply{OK: true, Result: map[string]any{"url": h.URL, "pending_update_count": s.Pending(), "max_connections": h.MaxConnections}}
}

// getUpdates answers a long poll: the updates from offset on (those below
// it confirmed), once there are any, or none when its timeout ends. One
// poll at a time, and none while a webhook is set, as Telegram allows.
func (s *Server) getUpdates(r *http.Request, form map[string]string) reply {
	offset, _ := strconv.ParseInt(form["offset"], 10, 64)
	timeout, _ := strconv.Atoi(form["timeout"])
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)

	s.mu.Lock()
	if s.hook.URL != "" {
		s.mu.Unlock()
		return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	if s.polling > 0 {
		s.mu.Unlock()
		return fail(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	}
	s.polling++
	defer func() { s.mu.Lock(); s.polling--; s.mu.Unlock() }()

	for {
		// Confirm (drop) everything below offset, as Telegram does.
		for len(s.updIDs) > 0 && s.updIDs[0] < offset {
			s.updIDs, s.updates, s.updChats = s.updIDs[1:], s.updates[1:], s.updChats[1:]
		}
		if len(s.updates) > 0 {
			out := append([]json.RawMessage(nil), s.updates...)
			s.mu.Unlock()
			return reply{OK: true, Result: out}
		}

		// Nothing yet: wait for a change, the timeout, or the end.
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
			return reply{OK: true, Result: []json.RawMessage{}}
		case <-r.Context().Done():
			return reply{OK: true, Result: []json.RawMessage{}}
		case <-s.quit:
			return reply{OK: true, Result: []json.RawMessage{}}
		}
		s.mu.Lock()
	}
}

func (s *Server) keyboard(raw string) ([][]Button, reply, bool) {
	if raw == "" || raw == "null" {
		return nil, reply{}, true
	}
	var m struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fail(400, "Bad Request: can't parse reply keyboard markup JSON object"), false
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			switch {
			case b.Text == "":
				return nil, fail(400, "Bad Request: text buttons are unallowed in the inline keyboard"), false
			case b.URL == "" && (len(b.CallbackData) < 1 || len(b.CallbackData) > 64):
				return nil, fail(400, "Bad Request: BUTTON_DATA_INVALID"), false
			}
		}
	}
	return m.InlineKeyboard, reply{}, true
}

func (s *Server) checkText(form map[string]string) (reply, bool) {
	text := form["text"]
	plain := text
	if form["parse_mode"] == "HTML" {
		var err error
		if plain, err = parseHTML(text); err != nil {
			return fail(400, "Bad Request: can't parse entities: "+err.Error()), false
		}
	}
	switch n := len([]rune(strings.TrimSpace(plain))); {
	case n == 0:
		return fail(400, "Bad Request: message text is empty"), false
	case n > 4096:
		return fail(400, "Bad Request: message is too long"), false
	}
	return reply{}, true
}

// sendMessage sends a text, with its keyboard, to a chat.
func (s *Server) sendMessage(form map[string]string) reply {
	chat, err := strconv.ParseInt(form["chat_id"], 10, 64)
	if err != nil {
		return fail(400, "Bad Request: chat not found")
	}
	if r, ok := s.checkText(form); !ok {
		return r
	}
	kb, r, ok := s.keyboard(form["reply_markup"])
	if !ok {
		return r
	}

	return s.add(&Message{ChatID: chat, Text: form["text"], Keyboard: kb})
}

// sendDocument sends a file, with its caption, to a chat.
func (s *Server) sendDocument(form map[string]string, file *File) reply {
	chat, err := strconv.ParseInt(form["chat_id"], 10, 64)
	if err != nil {
		return fail(400, "Bad Request: chat not found")
	}
	if file == nil || len(file.Data) == 0 {
		return fail(400, "Bad Request: there is no document in the request")
	}
	if form["caption"] != "" && form["parse_mode"] == "HTML" {
		if _, err := parseHTML(form["caption"]); err != nil {
			return fail(400, "Bad Request: can't parse entities: "+err.Error())
		}
	}

	return s.add(&Message{ChatID: chat, Text: form["caption"], File: file})
}

// add puts m in its chat under the next message id, if the chat started
// the bot.
func (s *Server) add(m *Message) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.chats[m.ChatID] {
		return fail(400, "Bad Request: chat not found")
	}
	s.nextMsg++
	m.ID = s.nextMsg
	s.messages[m.ChatID] = append(s.messages[m.ChatID], m)
	s.notifyChat(m.ChatID)
	return reply{OK: true, Result: messageJSON(m)}
}

func messageJSON(m *Message) map[string]any {
	return map[string]any{
		"message_id": m.ID,
		"date":       time.Now().Unix(),
		"chat":       map[string]any{"id": m.ChatID, "type": "private"},
		"from":       User{ID: 123456, IsBot: true, FirstName: "Tori", Username: BotUsername},
		"text":       m.Text,
	}
}

func (s *Server) find(chat int64, id int) *Message {
	for _, m := range s.messages[chat] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// editMessageText puts a new text and keyboard in place of a message's,
// unless they are the same.
func (s *Server) editMessageText(form map[string]string) reply {
	chat, _ := strconv.ParseInt(form["chat_id"], 10, 64)
	id, _ := strconv.Atoi(form["message_id"])
	if r, ok := s.checkText(form); !ok {
		return r
	}
	kb, r, ok := s.keyboard(form["reply_markup"])
	if !ok {
		return r
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(chat, id)
	if m == nil {
		return fail(400, "Bad Request: message to edit not found")
	}
	if m.Text == form["text"] && fmt.Sprint(m.Keyboard) == fmt.Sprint(kb) {
		return fail(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Text, m.Keyboard = form["text"], kb
	m.Edits++
	s.notifyChat(chat)
	return reply{OK: true, Result: messageJSON(m)}
}

func (s *Server) answerCallbackQuery(form map[string]string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := form["callback_query_id"]
	answered, known := s.queries[id]
	if !known || answered {
		return fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	}
	if utf8.RuneCountInString(form["text"]) > 200 {
		return fail(400, "Bad Request: MESSAGE_TOO_LONG")
	}
	s.queries[id] = true
	s.answers[id] = form["text"]
	s.alerts[id] = form["show_alert"] == "true"
	s.notify()
	return reply{OK: true, Result: true}
}

func (s *Server) setWebhook(form map[string]string) reply {
	u := form["url"]
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://127.0.0.1") {
		return fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
	}
	if sec := form["secret_token"]; len(sec) > 256 || strings.ContainsFunc(sec, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return fail(400, "Bad Request: secret token contains unallowed characters")
	}
	maxConn, _ := strconv.Atoi(form["max_connections"])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = Webhook{URL: u, Secret: form["secret_token"], AllowedUpdates: form["allowed_updates"], MaxConnections: maxConn}
	if !s.delivering {
		s.delivering = true
		go s.deliver()
	}
	return reply{OK: true, Result: true}
}

// deliver POSTs pending updates to the webhook as Telegram does: up to
// max_connections at once (40 when not set), one at a time per chat and in
// order within a chat; an answer other than 2xx is retried after
// RetryDelay, and the chat's later updates wait for it.
func (s *Server) deliver() {
	client := &http.Client{Timeout: 30 * time.Second}
	inflight := map[int64]bool{} // chats with a POST under way
	retryAt := map[int64]time.Time{}
	for {
		s.mu.Lock()
		hook, ch := s.hook, s.changed
		if hook.URL == "" {
			s.delivering = false
			s.mu.Unlock()
			return
		}
		next := s.startPosts(client, hook, inflight, retryAt)
		s.mu.Unlock()

		// Until something changes, or the soonest retry is due.
		var wake <-chan time.Time
		if !next.IsZero() {
			wake = time.After(time.Until(next))
		}
		select {
		case <-ch:
		case <-wake:
		case <-s.quit:
			return
		}
	}
}

// startPosts starts the POST of each chat's first pending update that may
// go now (none of the chat's under way, a connection free, no retry
// waiting), and returns when the soonest retry waiting is due (zero:
// none); s.mu held.
func (s *Server) startPosts(client *http.Client, hook Webhook, inflight map[int64]bool, retryAt map[int64]time.Time) time.Time {
	limit := hook.MaxConnections
	if limit <= 0 {
		limit = 40
	}
	now := time.Now()
	var next time.Time
	seen := map[int64]bool{}
	for i := range s.updates {
		chat := s.updChats[i]
		if seen[chat] {
			continue // an earlier update of the chat goes first
		}
		seen[chat] = true
		if inflight[chat] || len(inflight) >= limit {
			continue
		}
		if at, ok := retryAt[chat]; ok && at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}

		inflight[chat] = true
		go s.post(client, hook, s.updates[i], s.updIDs[i], chat, inflight, retryAt)
	}
	return next
}

// post delivers one update and records the outcome (s.mu not held).
func (s *Server) post(client *http.Client, hook Webhook, raw json.RawMessage, id, chat int64, inflight map[int64]bool, retryAt map[int64]time.Time) {
	req, _ := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if hook.Secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.Secret)
	}
	status := 0
	if resp, err := client.Do(req); err == nil {
		status = resp.StatusCode
		resp.Body.Close()
	}

	// Recorded; a delivered update leaves, a refused one waits its retry.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = append(s.posts, Post{UpdateID: id, Status: status})
	delete(inflight, chat)
	if status >= 200 && status < 300 {
		delete(retryAt, chat)
		for i, u := range s.updIDs {
			if u == id {
				s.updIDs = slices.Delete(s.updIDs, i, i+1)
				s.updates = slices.Delete(s.updates, i, i+1)
				s.updChats = slices.Delete(s.updChats, i, i+1)
				break
			}
		}
	} else {
		delay := s.RetryDelay
		if delay == 0 {
			delay = 50 * time.Millisecond
		}
		retryAt[chat] = time.Now().Add(delay)
	}
	s.notify()
}

// Hook returns what setWebhook registered ("" URL: none).
func (s *Server) Hook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook
}

// Posts returns the webhook deliveries made so far.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

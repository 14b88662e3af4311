package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// push queues the update build makes, under the next update id.
func (s *Server) push(build func(id int64) any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpd++
	s.queue(s.nextUpd, build)
	return s.nextUpd
}

// queue adds an update to the pending ones; s.mu held.
func (s *Server) queue(id int64, build func(id int64) any) {
	raw, _ := json.Marshal(build(id))
	var u struct {
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		CallbackQuery *struct {
			From struct{ ID int64 } `json:"from"`
		} `json:"callback_query"`
	}
	_ = json.Unmarshal(raw, &u)
	chat := int64(0)
	switch {
	case u.Message != nil:
		chat = u.Message.Chat.ID
	case u.CallbackQuery != nil:
		chat = u.CallbackQuery.From.ID
	}
	s.updates = append(s.updates, raw)
	s.updIDs = append(s.updIDs, id)
	s.updChats = append(s.updChats, chat)
	s.notify()
}

// Redeliver queues an update again under the same update_id, as Telegram
// does when it was not confirmed.
func (s *Server) Redeliver(updateID int64, build func(id int64) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue(updateID, build)
}

// Open marks chat as having started the bot, so the bot may write to it
// (as a therapist does by pressing Start once).
func (s *Server) Open(chat int64) {
	s.mu.Lock()
	s.chats[chat] = true
	s.mu.Unlock()
}

// TextUpdate is the update of u sending text in their private chat.
func TextUpdate(u User, text string) func(id int64) any {
	return func(id int64) any {
		return map[string]any{"update_id": id, "message": map[string]any{
			"message_id": 1_000_000 + id, "date": time.Now().Unix(), "from": u,
			"chat": map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}, "text": text,
		}}
	}
}

// SendText makes u send text to the bot and returns the update id.
func (s *Server) SendText(u User, text string) int64 {
	s.Open(u.ID)
	return s.push(TextUpdate(u, text))
}

// PressData makes u press a button with the given data on message msg.
func (s *Server) PressData(u User, msg int, data string) string {
	s.mu.Lock()
	m := s.find(u.ID, msg)
	s.mu.Unlock()

	// A query to answer, and its update.
	qid := "q" + strconv.FormatInt(time.Now().UnixNano(), 36)
	s.mu.Lock()
	s.queries[qid] = false
	s.mu.Unlock()
	s.push(func(id int64) any {
		q := map[string]any{"id": qid, "from": u, "chat_instance": "ci", "data": data}
		if m != nil {
			q["message"] = messageJSON(m)
		}
		return map[string]any{"update_id": id, "callback_query": q}
	})
	return qid
}

// Press makes u press the button whose label contains label on message
// msg, and returns the callback query id.
func (s *Server) Press(u User, msg Message, label string) (string, error) {
	for _, row := range msg.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) && b.CallbackData != "" {
				return s.PressData(u, msg.ID, b.CallbackData), nil
			}
		}
	}
	return "", fmt.Errorf("no button %q on message %d: %q", label, msg.ID, msg.Text)
}

// Messages returns a copy of the chat's messages, oldest first.
func (s *Server) Messages(chat int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[chat] {
		out = append(out, *m)
	}
	return out
}

// Latest returns the chat's latest message that is not a file, and how
// many messages the chat has.
func (s *Server) Latest(chat int64) (Message, int) {
	ms := s.Messages(chat)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].File == nil {
			return ms[i], len(ms)
		}
	}
	return Message{}, len(ms)
}

// Act runs send (a user's message or tap in chat) and waits until the bot
// answered in chat: a new message, or an edit of the latest one.
func (s *Server) Act(chat int64, within time.Duration, send func()) error {
	before, n := s.Latest(chat)
	send()
	_, err := s.Wait(chat, within, func(ms []Message) bool {
		if len(ms) > n {
			return true
		}
		for _, m := range ms {
			if m.ID == before.ID && m.Edits > before.Edits {
				return true
			}
		}
		return false
	})
	return err
}

// Wait waits until ok holds for the chat's messages (called again on every
// change), or the timeout passes.
func (s *Server) Wait(chat int64, timeout time.Duration, ok func([]Message) bool) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.chatChanged(chat)
		s.mu.Unlock()
		msgs := s.Messages(chat)
		if ok(msgs) {
			return msgs, nil
		}

		select {
		case <-ch:
		case <-deadline:
			last := "(none)"
			if len(msgs) > 0 {
				last = fmt.Sprintf("%q %v", msgs[len(msgs)-1].Text, msgs[len(msgs)-1].Keyboard)
			}
			return msgs, fmt.Errorf("chat %d: condition not met in %s; %d messages, last: %s", chat, timeout, len(msgs), last)
		}
	}
}

// WaitAnswered waits until the callback query was answered and returns the answer text.
func (s *Server) WaitAnswered(qid string, timeout time.Duration) (string, error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		done := s.queries[qid]
		text := s.answers[qid]
		s.mu.Unlock()
		if done {
			return text, nil
		}
		select {
		case <-ch:
		case <-deadline:
			return "", fmt.Errorf("callback query %s not answered in %s", qid, timeout)
		}
	}
}

// Alerted reports whether callback query qid was answered with an alert
// (show_alert: a dialog the user closes), not a passing notice.
func (s *Server) Alerted(qid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.alerts[qid]
}

// Commands returns the command menu set for a language code ("" = default), as JSON.
func (s *Server) Commands(lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[lang]
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// FailNext makes the next n calls of method fail: code 429 with
// retryAfter seconds, or another HTTP code.
func (s *Server) FailNext(method string, n, code, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{code: code, retryAfter: retryAfter})
	}
}

// FailNextIn makes the next n calls of method for chat fail, as FailNext.
func (s *Server) FailNextIn(chat int64, method string, n, code, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{code: code, retryAfter: retryAfter, chat: chat})
	}
}

// FailFor makes every call of method fail for d, as Telegram does in an
// outage or when it throttles a bot: code 429 with retryAfter seconds, or
// another HTTP code (500, 502).
func (s *Server) FailFor(method string, d time.Duration, code, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timed[method] = timedFault{fault: fault{code: code, retryAfter: retryAfter}, until: time.Now().Add(d)}
}

// Pending reports how many updates getUpdates has not had confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// SendReply makes u reply to the bot's message msg with text.
func (s *Server) SendReply(u User, msg int, text string) int64 {
	s.Open(u.ID)
	s.mu.Lock()
	m := s.find(u.ID, msg)
	s.mu.Unlock()
	return s.push(func(id int64) any {
		upd := TextUpdate(u, text)(id).(map[string]any)
		if m != nil {
			upd["message"].(map[string]any)["reply_to_message"] = messageJSON(m)
		}
		return upd
	})
}

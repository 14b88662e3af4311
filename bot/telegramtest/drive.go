package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The test side: users send messages and press buttons; tests read what
// the bot sent, waiting with a deadline (never sleeping).

func (s *Server) push(build func(id int64) any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpd++
	raw, _ := json.Marshal(build(s.nextUpd))
	s.updates = append(s.updates, raw)
	s.updIDs = append(s.updIDs, s.nextUpd)
	s.notify()
	return s.nextUpd
}

// Redeliver queues an update again under the same update_id, as Telegram
// does when it was not confirmed.
func (s *Server) Redeliver(updateID int64, build func(id int64) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, _ := json.Marshal(build(updateID))
	s.updates = append(s.updates, raw)
	s.updIDs = append(s.updIDs, updateID)
	s.notify()
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

package telegramtest

import (
	"strconv"
	"time"
)

// Limits are the send limits the fake enforces when asked to, as Telegram
// does: a call over them is refused with 429 and the retry_after that
// would let it through. Telegram documents its limits loosely (Bot FAQ,
// "My bot is hitting limits"): about 30 messages a second to different
// users, and in one chat no more than one message a second, short bursts
// allowed.
type Limits struct {
	Overall int           // messages and edits in any one second, for the bot
	PerChat time.Duration // the sustained spacing of new messages in one chat
	Burst   int           // new messages a chat may get at once
	// Slack forgives a message that comes this much early in its chat: the
	// network delays one request more than the next.
	Slack time.Duration
}

// TelegramLimits are Telegram's documented limits, a short burst taken as
// three messages.
var TelegramLimits = Limits{Overall: 30, PerChat: time.Second, Burst: 3, Slack: 100 * time.Millisecond}

// limits is the state of the enforced Limits.
type limits struct {
	Limits
	recent  []time.Time         // calls counted overall in the last second
	chats   map[int64]time.Time // per chat: the bucket's theoretical arrival time
	refused [2]int              // over the chat's pace, over the bot's
}

// Limit makes the fake enforce l from now on (the zero Limits: none).
func (s *Server) Limit(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = limits{Limits: l, chats: map[int64]time.Time{}}
}

// Refused reports how many calls the limits refused with 429: inChat
// for going faster than the chat's pace, overall for more than Overall
// in a second (a call over both counts as inChat).
func (s *Server) Refused() (inChat, overall int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits.refused[0], s.limits.refused[1]
}

// admit counts a call against the limits, or refuses it; s.mu held. New
// messages count in their chat and overall, edits overall only.
func (s *Server) admit(method string, form map[string]string, now time.Time) (reply, bool) {
	l := &s.limits
	inChat := method == "sendMessage" || method == "sendDocument"
	if !inChat && method != "editMessageText" {
		return reply{}, true
	}
	chat, _ := strconv.ParseInt(form["chat_id"], 10, 64)

	// How long the call must wait, and for which limit (a call over both
	// counts as over the chat's pace).
	wait, kind := l.overallWait(now), 1
	if inChat {
		if early := l.chatWait(chat, now); early > 0 {
			wait, kind = max(wait, early), 0
		}
	}
	if wait > 0 {
		l.refused[kind]++
		return tooMany(max(1, int((wait+time.Second-1)/time.Second))), false
	}

	l.count(inChat, chat, now)
	return reply{}, true
}

// overallWait forgets the calls more than a second old, and says how long
// a call now must wait for the bot's budget (0: none).
func (l *limits) overallWait(now time.Time) time.Duration {
	if l.Overall <= 0 {
		return 0
	}
	k := 0
	for k < len(l.recent) && now.Sub(l.recent[k]) >= time.Second {
		k++
	}
	l.recent = l.recent[k:]
	if len(l.recent) < l.Overall {
		return 0
	}
	return l.recent[0].Add(time.Second).Sub(now)
}

// chatWait is how much too early a new message in chat comes now, its
// burst and the slack allowed (0 or less: in time).
func (l *limits) chatWait(chat int64, now time.Time) time.Duration {
	if l.PerChat <= 0 {
		return 0
	}
	tau := time.Duration(max(l.Burst, 1)-1) * l.PerChat
	return l.chats[chat].Add(-tau - l.Slack).Sub(now)
}

// count records a call let through: overall, and a new message in its
// chat's bucket.
func (l *limits) count(inChat bool, chat int64, now time.Time) {
	if l.Overall > 0 {
		l.recent = append(l.recent, now)
	}
	if inChat && l.PerChat > 0 {
		tat := l.chats[chat]
		if tat.Before(now) {
			tat = now
		}
		l.chats[chat] = tat.Add(l.PerChat)
	}
}

package telegramtest

import (
	"strconv"
	"testing"
	"time"
)

// TestLimitsRefuseWhatTelegramWould: with Telegram's limits on, a chat
// takes three new messages at once and then one a second (edits are not
// counted in it), the bot 30 messages in any second; a call over either
// is refused with 429 and the retry_after that lets it through.
func TestLimitsRefuseWhatTelegramWould(t *testing.T) {
	s := &Server{}
	s.Limit(Limits{Overall: 30, PerChat: time.Second, Burst: 3})
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	send := func(method string, chat string, at time.Duration) (int, bool) {
		r, ok := s.admit(method, map[string]string{"chat_id": chat}, t0.Add(at))
		if ok {
			return 0, true
		}
		return r.Parameters.(map[string]int)["retry_after"], false
	}
	for i := range 3 {
		if _, ok := send("sendMessage", "1", 0); !ok {
			t.Fatalf("message %d of a burst refused", i+1)
		}
	}
	if after, ok := send("sendDocument", "1", 0); ok || after != 1 {
		t.Fatalf("a fourth at once: taken %v, retry_after %d", ok, after)
	}
	if _, ok := send("editMessageText", "1", 0); !ok {
		t.Fatal("an edit counted in the chat")
	}
	if _, ok := send("sendMessage", "1", time.Second); !ok {
		t.Fatal("the next second's message refused")
	}
	if _, ok := send("sendMessage", "1", 1500*time.Millisecond); ok {
		t.Fatal("two in the second after a burst")
	}
	// 30 in any second overall: one taken in this second so far (at 1 s).
	for i := range 29 {
		if _, ok := send("sendMessage", strconv.Itoa(100+i), 1100*time.Millisecond); !ok {
			t.Fatalf("chat %d refused", i)
		}
	}
	if _, ok := send("editMessageText", "200", 1200*time.Millisecond); ok {
		t.Fatal("a 31st message in one second")
	}
	if _, ok := send("sendMessage", "201", 2100*time.Millisecond); !ok {
		t.Fatal("refused once the second had passed")
	}
	if chat, overall := s.Refused(); chat != 2 || overall != 1 {
		t.Fatalf("refusals counted: %d for a chat's pace, %d overall", chat, overall)
	}
}

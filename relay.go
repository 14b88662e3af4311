package tori

import (
	"encoding/json"
	"time"
)

// QueueRelay holds clients' messages written outside messaging hours, due
// when the hours begin (one queue for the practice).
const QueueRelay Queue = "relay"

// Relay is a client's message to the practice.
type Relay struct {
	ID          string    `json:"id"`
	Client      Client    `json:"client"`
	TherapistID string    `json:"therapist"`
	Text        string    `json:"text"`
	At          time.Time `json:"at"`
	// Chat, when set, is the one Telegram chat of the therapist it still
	// has to reach (a retry after that chat failed); else all of theirs.
	Chat int64 `json:"chat,omitempty"`
}

// Encode writes a relay as a queue member.
func (r Relay) Encode() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// DecodeRelay reads a queue member.
func DecodeRelay(s string) (Relay, error) {
	var r Relay
	if err := json.Unmarshal([]byte(s), &r); err != nil || r.ID == "" {
		return Relay{}, Errorf(EINVALID, "not a relayed message")
	}
	return r, nil
}

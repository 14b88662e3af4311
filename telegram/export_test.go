package telegram

// Idle reports whether no update is in hand and nothing waits to go to
// other chats (tests wait for it instead of sleeping).
func (t *Telegram) Idle() bool {
	return t.UpdatesInHand() == 0 && t.OutboxChats() == 0
}

// UpdatesInHand counts the chats with an update being handled.
func (t *Telegram) UpdatesInHand() int {
	t.queue.mu.Lock()
	defer t.queue.mu.Unlock()
	return len(t.queue.pending)
}

// OutboxChats counts the chats the outbox has something for.
func (t *Telegram) OutboxChats() int {
	t.out.mu.Lock()
	defer t.out.mu.Unlock()
	return len(t.out.chats)
}

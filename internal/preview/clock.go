package preview

import (
	"sync"
	"time"
)

// Clock is the wall clock moved forward by the page: every part of the
// preview (bot, worker, use cases) reads the time from it. It never goes
// back: holds, payments and reminders already made stay consistent.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the preview's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock d forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Ahead is how far the clock is ahead of the wall clock.
func (c *Clock) Ahead() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

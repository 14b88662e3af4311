package preview

import (
	"context"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
)

// seed books the standing clients' series as the practice booked them
// weeks ago: planned and taken on a clock set back to the day before the
// first session, so the sessions already held lie in the past and the
// agenda marks the next one "weekly, 3 of 12". A week in conflict takes
// the nearest free time that week, as the practice's series does.
func (p *Preview) seed(ctx context.Context, b *tori.Bookings, standing []tori.Standing) error {
	now := p.clock.Now()
	for _, s := range standing {
		r := s.Rule(b.Practice, now)
		then := *b
		then.Now = func() time.Time { return r.First.Add(-24 * time.Hour) }

		plan, err := then.PlanSeries(ctx, r)
		if err == nil {
			_, err = then.TakeSeries(ctx, r, plan.Starts(), 0)
		}
		if err != nil {
			return fmt.Errorf("the standing client %s: %w", s.Client.Name, err)
		}

		// Their reminders go to a chat no one on the page looks at.
		p.tg.Open(s.Client.ChatID)
	}
	return nil
}

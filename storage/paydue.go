package storage

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// awaitPaymentScript turns confirmed sessions paid at the session into
// holds awaiting their payment (the client became a repeat offender): for
// each still confirmed, the client's, paid at the session and not begun,
// its span keeps its time until its deadline, its hash says so (prepaid
// in full, "repeat", prepaid_rest for the client's one notice), and it joins the hold-expiry queue (released if
// unpaid) and the reminder queue (its pay reminder). Those already turned
// (a retry) or changed meanwhile are left as they are.
//
// KEYS[1] span  KEYS[2] the hold-expiry queue  KEYS[3] the reminder queue  KEYS[4..] the hashes
// ARGV[1] now ms  ARGV[2] client id  ARGV[3..] for each hash: id, pay by ms, due (minor units)
// Returns the ids turned now.
var awaitPaymentScript = redis.NewScript(`
local out = {}
for i = 0, #KEYS - 4 do
  local id, payby, due = ARGV[3 + 3 * i], ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  local f = redis.call('HMGET', KEYS[4 + i], 'status', 'client', 'payment', 'start')
  local sp = redis.call('HGET', KEYS[1], id)
  if f[1] == 'confirmed' and f[2] == ARGV[2] and f[3] == 'none' and tonumber(f[4]) > tonumber(ARGV[1]) and sp then
    redis.call('HSET', KEYS[1], id, string.match(sp, '^(%d+) ') .. ' ' .. payby .. ' ' .. ARGV[2])
    redis.call('HSET', KEYS[4 + i], 'status', 'held', 'hold_until', payby, 'pay_by', payby, 'payment', 'full',
      'due', due, 'prepay', 'repeat', 'prepaid_rest', '1', 'remind_from', '0', 'updated_at', ARGV[1])
    redis.call('ZADD', KEYS[2], payby, id)
    redis.call('ZADD', KEYS[3], ARGV[1], id)
    out[#out + 1] = id
  end
end
return out
`)

// AwaitPayment implements tori.PayDueStore.
func (s *Store) AwaitPayment(ctx context.Context, therapistID string, as []tori.Appointment, now time.Time) ([]string, error) {
	if len(as) == 0 {
		return nil, nil
	}
	keys := []string{s.spanKey(therapistID), s.holdExpiryKey(therapistID), s.remindKey(therapistID)}
	args := []any{ms(now), as[0].Client.ID}
	for _, a := range as {
		if a.TherapistID != therapistID || a.Client.ID != as[0].Client.ID {
			return nil, tori.Errorf(tori.EINTERNAL, "appointment %s is not the client's with therapist %s", a.ID, therapistID)
		}
		keys = append(keys, s.appointmentKey(therapistID, a.ID))
		args = append(args, a.ID, ms(a.PayBy), a.Due.Amount)
	}
	return s.runList(ctx, "await payment", awaitPaymentScript, keys, args...)
}

package storage

import "github.com/redis/go-redis/v9"

// attachOrderScript records a hold's order.
//
// KEYS[1] the appointment's hash
// ARGV[1] token  ARGV[2] order id  ARGV[3] approve URL  ARGV[4] pay message id  ARGV[5] now ms
// Returns {"OK"} | {"NOTFOUND"} | {"CONFLICT"}.
var attachOrderScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'status', 'token', 'order_id', 'pay_state')
if not f[1] then return {'NOTFOUND'} end
if f[2] ~= ARGV[1] or f[1] ~= 'held' then return {'CONFLICT'} end
if f[3] and f[3] ~= '' and f[3] ~= ARGV[2] then return {'CONFLICT'} end
local ps = f[4]
if not ps or ps == '' then ps = 'ordered' end
redis.call('HSET', KEYS[1], 'order_id', ARGV[2], 'approve_url', ARGV[3], 'pay_msg', ARGV[4], 'pay_state', ps, 'updated_at', ARGV[5])
return {'OK'}
`)

// beginCaptureScript re-checks a hold before its order is captured and
// keeps its time for the capture (the fencing step).
//
// KEYS[1] the appointment's hash  KEYS[2] sched  KEYS[3] span  KEYS[4] maxspan
// KEYS[5] the hold-expiry queue
// ARGV[1] id  ARGV[2] token  ARGV[3] now ms  ARGV[4] hold until ms  ARGV[5] retention ms
// A hold the worker marked expired is taken again if its time is free.
// When the time is gone but an earlier capture may have gone through
// (capturing, pending), nothing is decided here: PayPal must be asked.
// Returns {"OK"} (capture may go ahead, or already paid, lost or
// mismatched, pending or not: the caller reads pay_state) |
// {"NOTFOUND"} | {"CONFLICT"} (not this hold) | {"TAKEN"} (the time is gone:
// nothing may be captured) | {"UNCERTAIN"} (the time is gone; a capture may exist).
var beginCaptureScript = redis.NewScript(luaConflict + `
local f = redis.call('HMGET', KEYS[1], 'status', 'token', 'start', 'end', 'buffer', 'client', 'pay_state', 'hold_until')
if not f[1] then return {'NOTFOUND'} end
if f[7] == 'paid' or f[7] == 'lost' or f[7] == 'mismatch' or f[7] == 'mismatch_pending' then return {'OK'} end
if f[2] ~= ARGV[2] then return {'CONFLICT'} end
local started = f[7] == 'capturing' or f[7] == 'pending'
local start = tonumber(f[3])
local bend = tonumber(f[4]) + tonumber(f[5])
if (f[1] ~= 'held' and f[1] ~= 'expired') or conflict(KEYS[2], KEYS[3], KEYS[4], start, bend, tonumber(ARGV[3]), ARGV[1], '') then
  if started then return {'UNCERTAIN'} end
  redis.call('HSET', KEYS[1], 'pay_state', 'lost', 'updated_at', ARGV[3])
  return {'TAKEN'}
end
local untilms = math.max(tonumber(ARGV[4]), tonumber(f[8]))
take(KEYS[2], KEYS[3], KEYS[4], ARGV[1], f[3], string.format('%d', bend), string.format('%d', untilms), f[6])
local ps = 'capturing'
if f[7] == 'pending' then ps = 'pending' end -- a pending capture stays pending until PayPal settles it
redis.call('HSET', KEYS[1], 'status', 'held', 'hold_until', string.format('%d', untilms), 'pay_state', ps, 'updated_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], untilms - tonumber(ARGV[3]) + tonumber(ARGV[5]))
redis.call('ZADD', KEYS[5], string.format('%d', untilms), ARGV[1])
return {'OK'}
`)

// setPayStateScript records a declined, pending or lost capture (counting
// declines); a paid one stays paid, a mismatched one mismatched, and a
// pending mismatched one can only end as lost (PayPal denied it).
//
// KEYS[1] the appointment's hash
// ARGV[1] state  ARGV[2] now ms
// Returns {"OK"} (changed) | {"SAME"} | {"NOTFOUND"}.
var setPayStateScript = redis.NewScript(`
local ps = redis.call('HGET', KEYS[1], 'pay_state')
if not ps then return {'NOTFOUND'} end
if ps == 'paid' or ps == 'mismatch' or ps == ARGV[1] or (ps == 'mismatch_pending' and ARGV[1] ~= 'lost') then return {'SAME'} end
redis.call('HSET', KEYS[1], 'pay_state', ARGV[1], 'updated_at', ARGV[2])
if ARGV[1] == 'declined' then redis.call('HINCRBY', KEYS[1], 'declines', 1) end
return {'OK'}
`)

// confirmPaidScript records a completed capture. A capture of exactly
// the due amount in the due currency (the hash's due and currency) confirms
// the booking if its time is still its own; if not, the booking ends
// (expired) with a full refund pending. A capture of any other amount or
// currency is never a confirmation: pay_state becomes mismatch, the
// appointment ends (expired) with a refund of exactly what was captured,
// in its currency (pay_currency), pending; if its time was still its own,
// the successor hold (ARGV[6], ARGV[10..]) takes that time over in the
// same step, held until ARGV[7] exactly (the caller worked it out, and
// scores the client's holds with it). A capture that was pending of
// another amount (mismatch_pending) let its time go then: it gets no
// successor. The call token (ARGV[9]) is kept in recorded_by, so that the
// same call run again (a retry after a lost reply) is told it recorded it.
//
// KEYS[1] the appointment's hash  KEYS[2] sched  KEYS[3] span  KEYS[4] maxspan
// KEYS[5] the hold-expiry queue  KEYS[6] the reminder queue
// KEYS[7] the successor's hash (KEYS[1] again when there is none)
// KEYS[8] the kept appointments (retention: the hash no longer expires)
// ARGV[1] id  ARGV[2] capture id  ARGV[3] amount (minor units)  ARGV[4] now ms
// ARGV[5] the capture's currency  ARGV[6] the successor's id, or ""
// ARGV[7] the successor's hold until ms  ARGV[8] how long its hash outlives its hold, ms
// ARGV[9] the call's token  ARGV[10..] the successor's field/value pairs
// Returns {"OK"} (confirmed now) | {"LOST"} (refund pending now) |
// {"MISMATCH"} (refund pending now; successor holds the time if the hash
// names one) | {"AGAIN"} (recorded by this same call: a retry) | {"DONE"}
// (recorded before, by another call) | {"NOTFOUND"}.
var confirmPaidScript = redis.NewScript(luaConflict + `
local f = redis.call('HMGET', KEYS[1], 'status', 'start', 'end', 'buffer', 'client', 'pay_state', 'due', 'currency', 'hold_until', 'recorded_by')
if not f[1] then return {'NOTFOUND'} end
if f[6] == 'paid' or f[6] == 'mismatch' then
  if f[10] == ARGV[9] then return {'AGAIN'} end
  return {'DONE'}
end
local now = tonumber(ARGV[4])
local start = tonumber(f[2])
local bend = tonumber(f[3]) + tonumber(f[4])
local holding = f[1] == 'held' or f[1] == 'expired'
local own = holding and f[6] ~= 'mismatch_pending' and not conflict(KEYS[2], KEYS[3], KEYS[4], start, bend, now, ARGV[1], '')
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[8], 'NX', f[3], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
if tonumber(ARGV[3]) ~= tonumber(f[7] or '') or ARGV[5] ~= f[8] then
  redis.call('HSET', KEYS[1], 'pay_state', 'mismatch', 'capture_id', ARGV[2], 'paid', ARGV[3], 'pay_currency', ARGV[5],
    'refund_due', ARGV[3], 'refund_state', 'pending', 'updated_at', ARGV[4], 'told', '0', 'recorded_by', ARGV[9])
  if holding then
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    redis.call('HSET', KEYS[1], 'status', 'expired')
  end
  if own and ARGV[6] ~= '' then
    take(KEYS[2], KEYS[3], KEYS[4], ARGV[6], f[2], string.format('%d', bend), ARGV[7], f[5])
    redis.call('HSET', KEYS[7], unpack(ARGV, 10))
    redis.call('HSET', KEYS[7], 'hold_until', ARGV[7])
    redis.call('PEXPIRE', KEYS[7], tonumber(ARGV[7]) - now + tonumber(ARGV[8]))
    redis.call('ZADD', KEYS[5], ARGV[7], ARGV[6])
    redis.call('HSET', KEYS[1], 'successor', ARGV[6])
  end
  return {'MISMATCH'}
end
redis.call('HSET', KEYS[1], 'pay_state', 'paid', 'capture_id', ARGV[2], 'paid', ARGV[3], 'pay_currency', ARGV[5], 'updated_at', ARGV[4], 'told', '0', 'recorded_by', ARGV[9])
if own then
  take(KEYS[2], KEYS[3], KEYS[4], ARGV[1], f[2], string.format('%d', bend), '0', f[5])
  redis.call('HSET', KEYS[1], 'status', 'confirmed', 'remind_from', ARGV[4])
  redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
  return {'OK'}
end
if holding then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HSET', KEYS[1], 'status', 'expired')
end
redis.call('HSET', KEYS[1], 'refund_due', ARGV[3], 'refund_state', 'pending')
return {'LOST'}
`)

// pendingMismatchScript records a capture PayPal accepted but has not
// completed (PENDING), of another amount or currency than is due (the
// hash's due and currency): it can never be a booking, so its hold is not
// kept for the days PayPal may take. The hold ends at once (expired, its
// time freed, out of the hold-expiry queue); the capture is recorded (id,
// amount, currency: pay_state mismatch_pending), so that its completion is
// recorded as a mismatch and refunded (confirmPaidScript) and its denial
// ends it as lost. The hash no longer expires: money may still move.
//
// KEYS[1] the appointment's hash  KEYS[2] sched  KEYS[3] span
// KEYS[4] the hold-expiry queue  KEYS[5] the kept appointments
// ARGV[1] id  ARGV[2] capture id  ARGV[3] amount (minor units)
// ARGV[4] the capture's currency  ARGV[5] now ms
// Returns {"OK"} (recorded now) | {"SAME"} (recorded before, or settled
// otherwise) | {"MATCH"} (it is what is due: not a mismatch) | {"NOTFOUND"}.
var pendingMismatchScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'status', 'pay_state', 'due', 'currency', 'end')
if not f[1] then return {'NOTFOUND'} end
if f[2] == 'paid' or f[2] == 'mismatch' or f[2] == 'mismatch_pending' or f[2] == 'lost' then return {'SAME'} end
if tonumber(ARGV[3]) == tonumber(f[3] or '') and ARGV[4] == f[4] then return {'MATCH'} end
redis.call('HSET', KEYS[1], 'pay_state', 'mismatch_pending', 'capture_id', ARGV[2], 'paid', ARGV[3], 'pay_currency', ARGV[4], 'updated_at', ARGV[5])
if f[1] == 'held' or f[1] == 'expired' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HSET', KEYS[1], 'status', 'expired')
end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[5], 'NX', f[5], ARGV[1])
return {'OK'}
`)

// cancelWithRefundScript ends a confirmed booking with a cancellation
// status, frees its time and records the refund due.
//
// KEYS[1] the appointment's hash  KEYS[2] sched  KEYS[3] span  KEYS[4] the reminder queue
// ARGV[1] id  ARGV[2] new status  ARGV[3] now ms  ARGV[4] refund (minor units)  ARGV[5] forgiven "1"/"0"
// Returns {"OK"} | {"DONE"} (cancelled so before) | {"NOTFOUND"} | {"CONFLICT", current status}.
var cancelWithRefundScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'NOTFOUND'} end
if st == ARGV[2] then return {'DONE'} end
if st ~= 'confirmed' then return {'CONFLICT', st} end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[3], 'refund_due', ARGV[4], 'forgiven', ARGV[5])
if tonumber(ARGV[4]) > 0 then redis.call('HSET', KEYS[1], 'refund_state', 'pending') end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return {'OK'}
`)

// refundDoneScript moves a pending refund to refunded.
//
// KEYS[1] the appointment's hash
// ARGV[1] refund id  ARGV[2] amount (minor units)  ARGV[3] now ms
// Returns {"OK"} | {"DONE"} (not pending: refunded before) | {"NOTFOUND"}.
var refundDoneScript = redis.NewScript(`
local rs = redis.call('HGET', KEYS[1], 'refund_state')
if not rs then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
  return {'DONE'}
end
if rs ~= 'pending' then return {'DONE'} end
redis.call('HSET', KEYS[1], 'refund_state', 'refunded', 'refund_id', ARGV[1], 'refunded', ARGV[2], 'updated_at', ARGV[3])
return {'OK'}
`)

// refundReportedScript records a refund PayPal reported (a webhook:
// made by tori, or by hand at PayPal) against a pending refund. What the
// capture has had back is the refunds reported so far (each counted once,
// by its id, in refund_parts) or PayPal's total for the capture, the
// larger; in the capture's currency only. When it covers the refund due,
// the refund is done; when not, what came back is recorded and the rest is
// handed to the practice (refund_by_hand: tori asks PayPal no more), and
// the practice is told once for each amount that came back: short_told
// holds the amount last told and the token of the call that told it (a
// compare-and-set), so that the same refund reported again (PayPal sends
// an event again under a new id) tells nobody, while a retry of the call
// that told it answers as it did.
//
// KEYS[1] the appointment's hash
// ARGV[1] refund id  ARGV[2] amount (minor units)  ARGV[3] currency
// ARGV[4] the capture's total refunded (minor units), or "" when PayPal did not say
// ARGV[5] its currency  ARGV[6] now ms  ARGV[7] the call's token
// Returns {"OK"} (refunded now) | {"SHORT"} (less than due so far: tell it) |
// {"SEEN"} (less than due, told before) | {"DONE"} (not pending) | {"NOTFOUND"}.
var refundReportedScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'refund_state', 'refund_due', 'pay_currency', 'currency', 'refunded', 'refund_parts', 'short_told')
if not f[1] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
  return {'DONE'}
end
if f[1] ~= 'pending' then return {'DONE'} end
local cur = f[3]
if not cur or cur == '' then cur = f[4] end
local due = tonumber(f[2] or '0') or 0
local back = tonumber(f[5] or '0') or 0
local parts = f[6] or ''
if ARGV[3] == cur and not string.find(',' .. parts .. ',', ',' .. ARGV[1] .. ',', 1, true) then
  back = back + tonumber(ARGV[2])
  if parts == '' then parts = ARGV[1] else parts = parts .. ',' .. ARGV[1] end
end
if ARGV[4] ~= '' and ARGV[5] == cur and tonumber(ARGV[4]) > back then back = tonumber(ARGV[4]) end
local v = string.format('%d', back)
if back >= due then
  redis.call('HSET', KEYS[1], 'refund_state', 'refunded', 'refund_id', ARGV[1], 'refunded', v, 'refund_parts', parts, 'updated_at', ARGV[6])
  return {'OK'}
end
local told, by = string.match(f[7] or '', '^(%d+):(.*)$')
if told == v and by ~= ARGV[7] then return {'SEEN'} end
redis.call('HSET', KEYS[1], 'refunded', v, 'refund_parts', parts, 'refund_by_hand', '1', 'short_told', v .. ':' .. ARGV[7], 'updated_at', ARGV[6])
return {'SHORT'}
`)

// refundFailedScript counts a failed refund attempt of a pending refund,
// and a refusal (PayPal said no: no money moved) apart, and when it was
// made (refund_tried_at: the next attempt waits for its backoff). It is a
// compare-and-set on the attempts counted before: two callers failing the
// same attempt at once (one request id at PayPal) count it once.
//
// KEYS[1] the appointment's hash
// ARGV[1] now ms  ARGV[2] "1" when PayPal refused it  ARGV[3] the attempts counted before it
// Returns {"OK"}.
var refundFailedScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'refund_state', 'refund_tries')
if f[1] == 'pending' and (tonumber(f[2] or '0') or 0) == tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], 'refund_tries', 1)
  if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'refusals', 1) end
  redis.call('HSET', KEYS[1], 'updated_at', ARGV[1], 'refund_tried_at', ARGV[1])
end
return {'OK'}
`)

// noShowScript records a no-show (the time stays taken: it has passed).
//
// KEYS[1] the appointment's hash  KEYS[2] the reminder queue
// ARGV[1] now ms  ARGV[2] id
// Returns {"OK"} | {"NOTFOUND"} | {"CONFLICT", current status}.
var noShowScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'NOTFOUND'} end
if st == 'no_show' then return {'OK'} end
if st ~= 'confirmed' then return {'CONFLICT', st} end
redis.call('HSET', KEYS[1], 'status', 'no_show', 'updated_at', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return {'OK'}
`)

// claimTellingScript claims the telling of a settled payment: not told
// yet (the hash's told field is '0', written when the capture was
// recorded; a payment settled before telling was recorded has none and
// counts as told), and nobody at it (the claim key, leased, holding the
// claimant's token).
//
// KEYS[1] the appointment's hash  KEYS[2] the claim
// ARGV[1] lease ms  ARGV[2] token
// Returns {"OK"} | {"TOLD"} | {"BUSY"} | {"NOTFOUND"}.
var claimTellingScript = redis.NewScript(`
local told = redis.call('HMGET', KEYS[1], 'id', 'told')
if not told[1] then return {'NOTFOUND'} end
if told[2] ~= '0' then return {'TOLD'} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[1]) then return {'OK'} end
if redis.call('GET', KEYS[2]) == ARGV[2] then return {'OK'} end
return {'BUSY'}
`)

// toldScript records that a settled payment's messages went out, and
// drops the claim if it is still the teller's own.
//
// KEYS[1] the appointment's hash  KEYS[2] the claim
// ARGV[1] token
// Returns {"OK"} | {"NOTFOUND"}.
var toldScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
redis.call('HSET', KEYS[1], 'told', '1')
return {'OK'}
`)

// releaseTellScript gives a telling claim back, if it is the caller's.
//
// KEYS[1] the claim  ARGV[1] token
// Returns {"OK"}.
var releaseTellScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'OK'}
`)

package storage

import "github.com/redis/go-redis/v9"

// beginEraseScript records a client's erasure, or returns the one under way.
// A check that was under way (its process may have died) starts again. A
// client holding a time is refused here, atomically with the reservation
// of holds (reserveScript): a hold whose appointment is not written yet
// (on a cluster it is written after its reservation) is seen too.
//
// KEYS[1] the client's erasure  KEYS[2] the client's holds
// ARGV[1] chat  ARGV[2] now ms  ARGV[3] until ms (no hold in their name before)
// ARGV[4] due ms (the worker's look)
// Returns {phase, started ms, chat, therapists, until ms, due ms, tell} |
// {"HOLDING", until ms}.
var beginEraseScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'phase', 'started', 'chat', 'therapists', 'until', 'due', 'tell')
if f[1] and f[1] ~= 'checking' then return {f[1], f[2], f[3], f[4], f[5], f[6] or '', f[7] or ''} end
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[2], '+inf', 'WITHSCORES')
if #live > 0 then
  if f[1] then redis.call('DEL', KEYS[1]) end
  return {'HOLDING', live[#live]}
end
redis.call('HSET', KEYS[1], 'phase', 'checking', 'started', ARGV[2], 'chat', ARGV[1], 'therapists', '', 'until', ARGV[3], 'due', ARGV[4])
return {'checking', ARGV[2], ARGV[1], '', ARGV[3], ARGV[4], ''}
`)

// advanceEraseScript takes an erasure a step: from one phase to the next,
// or (from = to) on to the worker's next look. The promise (until) only
// ever moves later.
//
// KEYS[1] the client's erasure
// ARGV[1] from  ARGV[2] to  ARGV[3] therapists (comma-separated)  ARGV[4] due ms
// ARGV[5] until ms  ARGV[6] the client's language, for the worker to tell
// them in the end ("" leaves it)  ARGV[7] "told" (nobody left to tell) or ""
// Returns {"OK"} (moved now, or before) | {"CONFLICT"}.
var advanceEraseScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'phase', 'until')
if f[1] == ARGV[2] and ARGV[1] ~= ARGV[2] then return {'OK'} end
if f[1] ~= ARGV[1] then return {'CONFLICT'} end
local untilms = math.max(tonumber(f[2] or '0') or 0, tonumber(ARGV[5]))
redis.call('HSET', KEYS[1], 'phase', ARGV[2], 'therapists', ARGV[3], 'due', ARGV[4], 'until', string.format('%d', untilms))
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'tell', ARGV[6]) end
if ARGV[7] == 'told' then redis.call('HDEL', KEYS[1], 'tell') end
return {'OK'}
`)

// endEraseScript removes an erasure record in the given phase.
//
// KEYS[1] the client's erasure  ARGV[1] the phase it must be in
// Returns {"OK"} (removed, or none) | {"CONFLICT"} (in another phase).
var endEraseScript = redis.NewScript(`
local ph = redis.call('HGET', KEYS[1], 'phase')
if not ph then return {'OK'} end
if ph ~= ARGV[1] then return {'CONFLICT'} end
redis.call('DEL', KEYS[1])
return {'OK'}
`)

// forgetClientScript deletes what the client's own slot keeps about them
// (not the erasure record, nor appointments still in their index).
//
// KEYS[1] profile  KEYS[2] strikes  KEYS[3] holds  KEYS[4] relays  KEYS[5] index
// KEYS[6] erasure
// ARGV[1] "erase" (always), or "idle" (only when the client has nothing
// left: no appointment in their index, no live hold, no erasure under way)
// ARGV[2] now ms  ARGV[3..] appointment ids to drop from their index
// (anonymised, or gone)
// Returns {"OK"} | {"BUSY"} (idle, and they are not).
var forgetClientScript = redis.NewScript(`
for i = 3, #ARGV do redis.call('ZREM', KEYS[5], ARGV[i]) end
if ARGV[1] == 'idle' and (redis.call('ZCARD', KEYS[5]) > 0 or redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[2], '+inf') > 0 or
  redis.call('EXISTS', KEYS[6]) == 1) then
  return {'BUSY'}
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if redis.call('ZCARD', KEYS[5]) == 0 then redis.call('DEL', KEYS[5]) end
return {'OK'}
`)

// delIfScript deletes a key that holds the given value (an index entry
// that still points where we think).
//
// KEYS[1] the key  ARGV[1] the value
// Returns 1 when deleted, else 0.
var delIfScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// keptFields are what an anonymised appointment keeps: the money the law
// asks to keep (amounts, dates, PayPal ids) and what makes sense of them
// (service, status, times). Every other field goes, whatever it is named:
// the client's id, chat, name, @username and language, the practice's
// note, the hold's token, the pay message, the waitlist offer.
const keptFields = `
local keep = {}
for _, k in ipairs({'id', 'therapist', 'service', 'start', 'end', 'buffer', 'status', 'price', 'currency', 'payment',
  'remote', 'seq', 'created_at', 'updated_at', 'due', 'order_id', 'pay_state', 'declines', 'refusals', 'paid',
  'capture_id', 'refund_due', 'refund_state', 'refunded', 'refund_id', 'refund_tries', 'forgiven', 'told',
  'hold_until', 'remind_from', 'erased', 'pay_currency', 'successor', 'refund_parts', 'refund_by_hand', 'refund_tried_at', 'short_told'}) do keep[k] = true end
`

// anonymiseScript removes the personal details of an appointment. What
// remains is kept as a money record when it was ever booked or paid (and
// moves from the kept index to the money index, scored by its last money
// movement); an appointment that was neither is deleted with its place in
// the schedule. In the schedule's span the client becomes 0.
//
// mode "erase" (the client's erasure): only the client's own, and not
// while it is upcoming, held, or has money in flight (as
// tori.ErasureBlockOf). mode "retain": only when it is in the kept index
// and ended before the cutoff (a booking moved later is re-scored).
//
// KEYS[1] the hash  KEYS[2] sched  KEYS[3] span  KEYS[4] kept  KEYS[5] money
// KEYS[6] the hold-expiry queue  KEYS[7] the reminder queue
// ARGV[1] id  ARGV[2] mode  ARGV[3] now ms  ARGV[4] cutoff ms (retain)
// ARGV[5] a PayPal order's life ms  ARGV[6] the client (erase)
// ARGV[7] refund attempts before a refund is handed to the practice (erase; 0: no limit)
// Returns {"OK", client} (anonymised) | {"DELETED", client} | {"NOTFOUND"} |
// {"OTHER"} (erase: not the client's, or anonymised before) | {"NOTDUE"}
// (retain) | {"BLOCKED", reason}.
var anonymiseScript = redis.NewScript(keptFields + `
local f = redis.call('HMGET', KEYS[1], 'status', 'end', 'hold_until', 'pay_state', 'refund_state', 'order_id', 'client',
  'paid', 'remind_from', 'updated_at', 'refund_by_hand', 'refund_tries')
local now = tonumber(ARGV[3])
if not f[1] then
  if ARGV[2] == 'retain' then redis.call('ZREM', KEYS[4], ARGV[1]) end
  return {'NOTFOUND'}
end
local ps, hold = f[4] or '', tonumber(f[3] or '0') or 0
if ARGV[2] == 'erase' then
  if f[7] ~= ARGV[6] then return {'OTHER'} end
  if f[1] == 'confirmed' and tonumber(f[2]) > now then return {'BLOCKED', 'upcoming'} end
  if ps == 'capturing' or ps == 'pending' or ps == 'mismatch_pending' then return {'BLOCKED', 'paying'} end
  local max = tonumber(ARGV[7]) or 0
  local handed = f[11] == '1' or (max > 0 and (tonumber(f[12] or '0') or 0) >= max)
  if f[5] == 'pending' and not handed then return {'BLOCKED', 'refunding'} end
  if f[1] == 'held' and hold > now then return {'BLOCKED', 'holding'} end
  if (f[6] or '') ~= '' and (ps == 'ordered' or ps == 'declined') and hold + tonumber(ARGV[5]) > now then
    return {'BLOCKED', 'paying'}
  end
else
  local sc = redis.call('ZSCORE', KEYS[4], ARGV[1])
  if not sc or tonumber(sc) > tonumber(ARGV[4]) then return {'NOTDUE'} end
  if tonumber(f[2]) > tonumber(ARGV[4]) then
    redis.call('ZADD', KEYS[4], f[2], ARGV[1])
    return {'NOTDUE'}
  end
end
local client = f[7] or ''
redis.call('ZREM', KEYS[4], ARGV[1])
local booked = tonumber(f[9] or '0') or 0
local paid = tonumber(f[8] or '0') or 0
if booked == 0 and paid == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[1])
  redis.call('ZREM', KEYS[7], ARGV[1])
  return {'DELETED', client}
end
for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not keep[k] then redis.call('HDEL', KEYS[1], k) end
end
redis.call('HSET', KEYS[1], 'erased', ARGV[3])
local sp = redis.call('HGET', KEYS[3], ARGV[1])
if sp then
  local bend, h = string.match(sp, '^(%d+) (%d+)')
  redis.call('HSET', KEYS[3], ARGV[1], bend .. ' ' .. h .. ' 0')
end
redis.call('ZADD', KEYS[5], math.max(tonumber(f[2]), tonumber(f[10] or '0') or 0), ARGV[1])
return {'OK', client}
`)

// removeRecordScript removes an anonymised money record whose time is up,
// with every trace of it in the therapist's slot.
//
// KEYS[1] the hash  KEYS[2] sched  KEYS[3] span  KEYS[4] kept  KEYS[5] money
// KEYS[6] the hold-expiry queue  KEYS[7] the reminder queue
// ARGV[1] id  ARGV[2] cutoff ms
// Returns {"OK"} | {"NOTDUE"}.
var removeRecordScript = redis.NewScript(`
local sc = redis.call('ZSCORE', KEYS[5], ARGV[1])
if not sc or tonumber(sc) > tonumber(ARGV[2]) then return {'NOTDUE'} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
return {'OK'}
`)

package storage

import "github.com/redis/go-redis/v9"

// luaConflict is shared by the scripts that take time: it returns the id of
// a live block of sched/span that overlaps [start, bend), ignoring skip1 and
// skip2, or nil; holds that have run out are removed on the way. A span
// (see spanKey) is "<blockEndMs> <holdUntilMs|0> <clientID>". conflictFrom
// is the same with the longest block (maxspan) already read, for a script
// that checks many times at once.
const luaConflict = `
local function conflictFrom(sched, span, ms, start, bend, now, skip1, skip2)
  local ids = redis.call('ZRANGEBYSCORE', sched, start - ms, '(' .. bend)
  for _, other in ipairs(ids) do
    if other ~= skip1 and other ~= skip2 then
      local sp = redis.call('HGET', span, other)
      if not sp then
        redis.call('ZREM', sched, other)
      else
        local oend, ohold = string.match(sp, '^(%d+) (%d+)')
        if tonumber(ohold) > 0 and tonumber(ohold) <= now then
          redis.call('ZREM', sched, other)
          redis.call('HDEL', span, other)
        elseif tonumber(oend) > start then
          return other
        end
      end
    end
  end
  return nil
end
local function conflict(sched, span, maxspan, start, bend, now, skip1, skip2)
  return conflictFrom(sched, span, tonumber(redis.call('GET', maxspan) or '0'), start, bend, now, skip1, skip2)
end
local function take(sched, span, maxspan, id, start, bend, holdUntil, client)
  redis.call('ZADD', sched, start, id)
  redis.call('HSET', span, id, bend .. ' ' .. holdUntil .. ' ' .. client)
  local ms = tonumber(redis.call('GET', maxspan) or '0')
  if tonumber(bend) - tonumber(start) > ms then redis.call('SET', maxspan, tonumber(bend) - tonumber(start)) end
end
`

// reserveScript is the client's side of a hold: it records the hold in the
// client's index (as intent, before the therapist's side) and enforces the
// cap on the client's live holds, across all therapists.
//
// No hold is made in the name of a client whose data is being erased.
//
// KEYS[1] the client's index  KEYS[2] the client's holds  KEYS[3] the client's erasure
// ARGV[1] id  ARGV[2] start ms  ARGV[3] hold until ms  ARGV[4] now ms  ARGV[5] max live holds
// Returns {"OK"} | {"LIMIT"} | {"ERASING", until ms}.
var reserveScript = redis.NewScript(reserveLua)

const reserveLua = `
local erasing = redis.call('HGET', KEYS[3], 'until')
if erasing then return {'ERASING', erasing} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  return {'LIMIT'}
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
return {'OK'}
`

// holdScript takes a therapist's time for a hold.
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] maxspan  KEYS[4] the new appointment's hash
// KEYS[5] the therapist's hold-expiry queue
// ARGV[1] id  ARGV[2] start ms  ARGV[3] block end ms  ARGV[4] hold until ms
// ARGV[5] client id  ARGV[6] now ms
// ARGV[7] id whose time does not count as taken (the booking being moved), or ""
// ARGV[8] token  ARGV[9] how long the hash outlives the hold, ms
// ARGV[10..] the hash's field/value pairs
// Returns {"OK"} | {"CONFLICT", id in the way} | {"EXISTS"}.
var holdScript = redis.NewScript(holdLua)

const holdLua = luaConflict + holdBody

const holdBody = `
local status = redis.call('HGET', KEYS[4], 'status')
if status then
  if status == 'held' and redis.call('HGET', KEYS[4], 'token') == ARGV[8] then return {'OK'} end
  return {'EXISTS'}
end
local other = conflict(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[6]), ARGV[7], '')
if other then return {'CONFLICT', other} end
take(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[4], unpack(ARGV, 10))
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[4]) - tonumber(ARGV[6]) + tonumber(ARGV[9]))
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
return {'OK'}
`

// reserveHoldScript is reserveScript and then holdScript in one step, for a
// single Redis server (on a cluster the client's and the therapist's keys
// live on different nodes, and the two run one after the other): a hold in
// one round trip instead of two. A refused take gives the reservation back.
//
// KEYS[1..2] reserveScript's first two  KEYS[3..7] holdScript's  KEYS[8] reserveScript's third
// ARGV[1..5] reserveScript's  ARGV[6..] holdScript's
// Returns reserveScript's refusals | holdScript's answer.
var reserveHoldScript = redis.NewScript(luaConflict +
	"local function reserve(KEYS, ARGV)\n" + reserveLua + "\nend\n" +
	"local function hold(KEYS, ARGV)\n" + holdBody + "\nend\n" + `
local r = reserve({KEYS[1], KEYS[2], KEYS[8]}, {ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]})
if r[1] ~= 'OK' then return r end
local h = hold({KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]}, {unpack(ARGV, 6)})
if h[1] ~= 'OK' then redis.call('ZREM', KEYS[2], ARGV[1]) end
return h
`)

// renewScript holds again, under the same id and token, a hold that is
// still live or whose time is still free (also one the worker has already
// marked expired), until a new time. One whose capture did not match what
// was due (completed or pending) is never held again: its successor, if
// any, holds the time.
//
// KEYS[1] the hold's hash  KEYS[2] sched  KEYS[3] span  KEYS[4] maxspan
// KEYS[5] the hold-expiry queue
// ARGV[1] id  ARGV[2] token  ARGV[3] now ms  ARGV[4] new hold until ms
// ARGV[5] how long the hash outlives the hold, ms
// Returns {"OK"} | {"NOTFOUND"} | {"CONFLICT"} (not this hold, or no longer a
// hold) | {"TAKEN", id in the way}.
var renewScript = redis.NewScript(luaConflict + `
local f = redis.call('HMGET', KEYS[1], 'status', 'token', 'start', 'end', 'buffer', 'client', 'moves', 'pay_state')
if not f[1] then return {'NOTFOUND'} end
if f[2] ~= ARGV[2] or (f[1] ~= 'held' and f[1] ~= 'expired') or f[8] == 'mismatch' or f[8] == 'mismatch_pending' then return {'CONFLICT'} end
local start = tonumber(f[3])
local bend = tonumber(f[4]) + tonumber(f[5])
local other = conflict(KEYS[2], KEYS[3], KEYS[4], start, bend, tonumber(ARGV[3]), ARGV[1], f[7])
if other then return {'TAKEN', other} end
take(KEYS[2], KEYS[3], KEYS[4], ARGV[1], f[3], string.format('%d', bend), ARGV[4], f[6])
redis.call('HSET', KEYS[1], 'status', 'held', 'hold_until', ARGV[4], 'updated_at', ARGV[3])
if redis.call('HGET', KEYS[1], 'pay_state') == 'lost' then redis.call('HSET', KEYS[1], 'pay_state', 'ordered') end
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) - tonumber(ARGV[3]) + tonumber(ARGV[5]))
return {'OK'}
`)

// confirmScript turns a hold into a booking: a compare-and-set on its token.
//
// KEYS[1] the appointment's hash  KEYS[2] span  KEYS[3] the hold-expiry queue
// KEYS[4] the reminder queue  KEYS[5] the kept appointments (retention)
// ARGV[1] id  ARGV[2] token  ARGV[3] now ms
// The booking goes into the reminder queue, due at once (the worker works
// out its reminders); remind_from is now. The hash no longer expires, so
// it enters the retention index.
// Returns {"OK"} | {"NOTFOUND"} | {"EXPIRED"} | {"CONFLICT"}.
var confirmScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'status', 'token', 'hold_until', 'moves')
if not f[1] then return {'NOTFOUND'} end
if f[2] ~= ARGV[2] or f[4] ~= '' then return {'CONFLICT'} end
if f[1] == 'confirmed' then return {'OK'} end
if f[1] == 'expired' then return {'EXPIRED'} end
if f[1] ~= 'held' then return {'CONFLICT'} end
if tonumber(f[3]) <= tonumber(ARGV[3]) then return {'EXPIRED'} end
local sp = redis.call('HGET', KEYS[2], ARGV[1])
if not sp then return {'CONFLICT'} end
local bend, hold, client = string.match(sp, '^(%d+) (%d+) (%d+)$')
redis.call('HSET', KEYS[2], ARGV[1], bend .. ' 0 ' .. client)
redis.call('HSET', KEYS[1], 'status', 'confirmed', 'updated_at', ARGV[3], 'remind_from', ARGV[3])
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[5], 'NX', redis.call('HGET', KEYS[1], 'end'), ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return {'OK'}
`)

// moveScript confirms a reschedule hold: the booking it moves takes the
// hold's time, and the hold goes, in one step.
//
// KEYS[1] the hold's hash  KEYS[2] the booking's hash  KEYS[3] sched  KEYS[4] span
// KEYS[5] the hold-expiry queue  KEYS[6] the reminder queue
// ARGV[1] hold id  ARGV[2] token  ARGV[3] now ms  ARGV[4] booking id
// ARGV[5] how long before its start a booking may still be moved, ms
// The hold's hash is deleted; the booking's moved_by names the hold, so that
// a retry after a lost reply still answers OK.
// Returns {"OK"} | {"NOTFOUND"} | {"EXPIRED"} | {"CONFLICT"} | {"GONE"} (the
// booking is no longer confirmed) | {"LATE"} (too close to its start).
var moveScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'status', 'token', 'hold_until', 'start', 'end', 'buffer', 'moves')
if not h[1] then
  if redis.call('HGET', KEYS[2], 'moved_by') == ARGV[1] then return {'OK'} end
  return {'NOTFOUND'}
end
if h[2] ~= ARGV[2] or h[7] ~= ARGV[4] then return {'CONFLICT'} end
if h[1] == 'expired' then return {'EXPIRED'} end
if h[1] ~= 'held' then return {'CONFLICT'} end
local now = tonumber(ARGV[3])
if tonumber(h[3]) <= now then return {'EXPIRED'} end
local o = redis.call('HMGET', KEYS[2], 'status', 'seq', 'start')
if o[1] ~= 'confirmed' then return {'GONE'} end
if tonumber(o[3]) - now < tonumber(ARGV[5]) then return {'LATE'} end
local sp = redis.call('HGET', KEYS[4], ARGV[1])
if not sp then return {'CONFLICT'} end
local bend, hold, client = string.match(sp, '^(%d+) (%d+) (%d+)$')
redis.call('HSET', KEYS[2], 'start', h[4], 'end', h[5], 'buffer', h[6], 'seq', tonumber(o[2] or '0') + 1, 'updated_at', ARGV[3], 'moved_by', ARGV[1], 'remind_from', ARGV[3])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], h[4], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[4], bend .. ' 0 ' .. client)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('DEL', KEYS[1])
return {'OK'}
`)

// releaseScript lets go of a hold.
//
// KEYS[1] the hold's hash  KEYS[2] sched  KEYS[3] span  KEYS[4] the hold-expiry queue
// ARGV[1] id  ARGV[2] token  ARGV[3] now ms  ARGV[4] how long the hash is kept, ms
// A hold whose payment is being captured (or is pending at PayPal) is not
// let go: money may already have moved for it. One whose capture did not
// match (completed or pending) has ended already (its refund goes on, or
// waits for PayPal).
// Returns {"OK"} | {"CONFLICT"} | {"PAYING"}.
var releaseScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'status', 'token', 'pay_state')
if not f[1] then return {'OK'} end
if f[2] ~= ARGV[2] then return {'CONFLICT'} end
if (f[1] ~= 'held' and f[1] ~= 'expired') or f[3] == 'mismatch' or f[3] == 'mismatch_pending' then return {'OK'} end
if f[3] == 'capturing' or f[3] == 'pending' then return {'PAYING'} end
redis.call('HSET', KEYS[1], 'status', 'cancelled_client', 'updated_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'OK'}
`)

// expireHoldScript ends a hold whose time has run out. A hold being paid
// (capture started or pending) is left to the payment.
//
// KEYS[1] the hold's hash  KEYS[2] sched  KEYS[3] span
// ARGV[1] id  ARGV[2] now ms
// Returns {"OK"} (ended now) | {"LIVE"} (still held: renewed, or being
// paid) | {"GONE"} (not a hold any more) | {"NOTFOUND"}.
var expireHoldScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'status', 'hold_until', 'pay_state')
if not f[1] then return {'NOTFOUND'} end
if f[1] ~= 'held' then return {'GONE'} end
if tonumber(f[2]) > tonumber(ARGV[2]) or f[3] == 'capturing' or f[3] == 'pending' then return {'LIVE'} end
redis.call('HSET', KEYS[1], 'status', 'expired', 'updated_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return {'OK'}
`)

// attendScript records "I'll be there" on a confirmed booking.
//
// KEYS[1] the appointment's hash
// ARGV[1] now ms
// Returns {"OK"} | {"NOTFOUND"} | {"CONFLICT"}.
var attendScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'NOTFOUND'} end
if st ~= 'confirmed' then return {'CONFLICT'} end
redis.call('HSET', KEYS[1], 'attending', '1', 'updated_at', ARGV[1])
return {'OK'}
`)

// busyScript reads a therapist's live blocks that overlap a range.
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] maxspan
// ARGV[1] from ms  ARGV[2] to ms  ARGV[3] now ms
// Returns a flat list: id, start ms, block end ms, id, ….
var busyScript = redis.NewScript(`
local maxspan = tonumber(redis.call('GET', KEYS[3]) or '0')
local from, now = tonumber(ARGV[1]), tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], from - maxspan, '(' .. ARGV[2], 'WITHSCORES')
local out = {}
for i = 1, #ids, 2 do
  local sp = redis.call('HGET', KEYS[2], ids[i])
  if sp then
    local bend, hold = string.match(sp, '^(%d+) (%d+)')
    local h = tonumber(hold)
    if (h == 0 or h > now) and tonumber(bend) > from then
      out[#out + 1] = ids[i]
      out[#out + 1] = ids[i + 1]
      out[#out + 1] = bend
    end
  end
end
return out
`)

// blockScript adds time off: busy time in sched/span (client 0, no hold)
// and a record in the therapist's blocks.
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] maxspan  KEYS[4] blocks
// ARGV[1] block id  ARGV[2] start ms  ARGV[3] end ms
// Returns {"OK"}.
var blockScript = redis.NewScript(luaConflict + `
take(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], '0', '0')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
return {'OK'}
`)

// unblockScript removes time off.
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] blocks
// ARGV[1] block id
// Returns {"OK"}.
var unblockScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return {'OK'}
`)

// noteScript sets the practice's private note on an appointment if the
// note there is still the one the caller looked at (a compare-and-set: a
// note the caller has not seen, which it may not be able to read, is never
// overwritten unseen). A retry finds its own note there: OK.
//
// KEYS[1] the appointment's hash
// ARGV[1] the note as stored (sealed: see notecrypt.go)  ARGV[2] now ms
// ARGV[3] the stored note it replaces ("" for none)
// Returns {"OK"} | {"NOTFOUND"} | {"CHANGED", the stored note}.
var noteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
local cur = redis.call('HGET', KEYS[1], 'note') or ''
if cur ~= ARGV[3] and cur ~= ARGV[1] then return {'CHANGED', cur} end
redis.call('HSET', KEYS[1], 'note', ARGV[1], 'updated_at', ARGV[2])
return {'OK'}
`)

// completeScript records that a confirmed session took place.
//
// KEYS[1] the appointment's hash  KEYS[2] the reminder queue
// ARGV[1] now ms  ARGV[2] id
// Returns {"OK"} | {"NOTFOUND"} | {"CONFLICT", current status}.
var completeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'NOTFOUND'} end
if st == 'completed' then return {'OK'} end
if st ~= 'confirmed' then return {'CONFLICT', st} end
redis.call('HSET', KEYS[1], 'status', 'completed', 'updated_at', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return {'OK'}
`)

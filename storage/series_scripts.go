package storage

import "github.com/redis/go-redis/v9"

// The scripts of a series of standing sessions (series.go). Its
// occurrences are ordinary appointments: taking them is holdScript's
// check (luaConflict, buffers included) for every one of them, and then
// holdScript's (or, booked at once, confirmScript's) writes for all of
// them, in one step: all or none.

// reserveSeriesLua is the client's side of a series, before the
// therapist's: its occurrences in the client's index (as intent), and the
// series among the client's live holds, where it counts as one hold
// toward the cap. A series booked at once is no hold: it may stand there
// for the moment of its step (a marker the client's erasure sees), and
// is not capped.
//
// KEYS[1] the client's index  KEYS[2] the client's holds  KEYS[3] the client's erasure
// ARGV[1] series id  ARGV[2] its score among the client's holds (hold until
// ms), or 0 for none  ARGV[3] now ms  ARGV[4] max live holds, or 0 for no cap
// ARGV[5..] start ms, occurrence id, … (the index's scores and members)
// Returns {"OK"} | {"LIMIT"} | {"ERASING", until ms}.
const reserveSeriesLua = `
local erasing = redis.call('HGET', KEYS[3], 'until')
if erasing then return {'ERASING', erasing} end
if ARGV[2] ~= '0' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
  local max = tonumber(ARGV[4])
  if max > 0 and not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= max then
    return {'LIMIT'}
  end
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
if #ARGV > 4 then redis.call('ZADD', KEYS[1], 'GT', unpack(ARGV, 5)) end
return {'OK'}
`

var reserveSeriesScript = redis.NewScript(reserveSeriesLua)

// takeSeriesScript takes the occurrences of a series in its therapist's
// time: it checks every one of them against sched/span (and against each
// other) before it takes any, then takes them all, as holds or booked at
// once, and writes the series' record. A new series (ARGV[8] "") whose
// record exists under the same token is this step retried: OK. A step
// that extends a booked series is a compare-and-set on its next week.
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] maxspan  KEYS[4] the hold-expiry queue
// KEYS[5] the reminder queue  KEYS[6] the kept appointments  KEYS[7] the series' hash
// KEYS[8] the series queue  KEYS[9..8+n] the occurrences' hashes, in ARGV's order
// ARGV[1] series id  ARGV[2] token  ARGV[3] now ms  ARGV[4] the series' hold until ms, or 0: a record kept
// ARGV[5] client id  ARGV[6] how long a hold's hash outlives the hold, ms  ARGV[7] buffer ms
// ARGV[8] the series' next week as read, "" for a new series, or "gap:<week>" to book
// a week an extension missed (its one occurrence, when the week is still missed)
// ARGV[9] its next week after
// ARGV[10] "<week>:<id> …" taken now  ARGV[11] "<week> …" missed now
// ARGV[12] when it next books ahead, ms, or 0 (a closed series)
// ARGV[13] n occurrences  ARGV[14] f  ARGV[15..14+f] the new series' hash, field/value pairs
// ARGV[15+f] g  ARGV[16+f..15+f+g] the field/value pairs every occurrence's hash shares
// ARGV[16+f+g..] for each occurrence: id, week, start ms, end ms (the session's), hold until
// ms or 0 (booked at once), pay by ms or 0 (a hold awaiting its payment: in the reminder
// queue at once, for its pay reminder)
// Returns {"OK"} | {"CONFLICT", week, id in the way, week, id, …} | {"OVERLAP"} (two
// occurrences overlap) | {"EXISTS"} (another series has the id) | {"MOVED"} (extended
// meanwhile) | {"GONE"} (no longer booked) | {"FILLED"} (the missed week is no longer missed).
var takeSeriesScript = redis.NewScript(luaConflict + takeSeriesFunc + "return takeSeries(KEYS, ARGV)\n")

const takeSeriesFunc = `
local function join(a, b)
  if not a or a == '' then return b end
  if b == '' then return a end
  return a .. ' ' .. b
end
local function hasWord(list, w)
  for x in string.gmatch(list or '', '%S+') do
    if x == w then return true end
  end
  return false
end
local function withoutWord(list, w)
  local out = {}
  for x in string.gmatch(list or '', '%S+') do
    if x ~= w then out[#out + 1] = x end
  end
  return table.concat(out, ' ')
end
-- inWeekOrder puts the "<week>:<id>" entry into taken before the first
-- entry of a later week.
local function inWeekOrder(taken, entry)
  local week, out, put = tonumber(string.match(entry, '^(%d+):')), {}, false
  for x in string.gmatch(taken or '', '%S+') do
    if not put and tonumber(string.match(x, '^(%d+):')) > week then
      out[#out + 1], put = entry, true
    end
    out[#out + 1] = x
  end
  if not put then out[#out + 1] = entry end
  return table.concat(out, ' ')
end
local function takeSeries(KEYS, ARGV)
  local now, client, keep = tonumber(ARGV[3]), ARGV[5], tonumber(ARGV[6])
  local buffer, n, f = tonumber(ARGV[7]), tonumber(ARGV[13]), tonumber(ARGV[14])
  local g = tonumber(ARGV[15 + f])
  local at = 16 + f + g

  local cur = redis.call('HMGET', KEYS[7], 'token', 'next', 'status')
  local gap = string.match(ARGV[8], '^gap:(%d+)$')
  if ARGV[8] == '' then
    if cur[1] then
      if cur[1] == ARGV[2] then return {'OK'} end
      return {'EXISTS'}
    end
  elseif gap then
    if cur[3] ~= 'confirmed' then return {'GONE'} end
    if redis.call('EXISTS', KEYS[9]) == 1 then return {'OK'} end
    if not hasWord(redis.call('HGET', KEYS[7], 'missed'), gap) then return {'FILLED'} end
  else
    if cur[3] ~= 'confirmed' then return {'GONE'} end
    if cur[2] == ARGV[9] and (n == 0 or redis.call('EXISTS', KEYS[9]) == 1) then return {'OK'} end
    if cur[2] ~= ARGV[8] then return {'MOVED'} end
  end

  -- Every occurrence is checked before any is taken.
  local longest = tonumber(redis.call('GET', KEYS[3]) or '0')
  local out, prev = {'CONFLICT'}, 0
  for i = 0, n - 1 do
    local o = at + 6 * i
    local start = tonumber(ARGV[o + 2])
    local bend = tonumber(ARGV[o + 3]) + buffer
    if start < prev then return {'OVERLAP'} end
    local other = conflictFrom(KEYS[1], KEYS[2], longest, start, string.format('%d', bend), now, '', '')
    if other then
      out[#out + 1] = ARGV[o + 1]
      out[#out + 1] = other
    end
    prev = bend
  end
  if #out > 1 then return out end

  -- Then all are taken: each occurrence's hash, and the therapist's
  -- schedule, span and queues for all of them at once.
  local fields = {unpack(ARGV, 16 + f, 15 + f + g)}
  local sched, span, queue, kept, remind = {}, {}, {}, {}, {}
  local most = longest
  for i = 0, n - 1 do
    local o = at + 6 * i
    local id, start, hold = ARGV[o], ARGV[o + 2], ARGV[o + 4]
    local bend = tonumber(ARGV[o + 3]) + buffer
    most = math.max(most, bend - tonumber(start))
    sched[#sched + 1], sched[#sched + 2] = start, id
    span[#span + 1], span[#span + 2] = id, string.format('%d', bend) .. ' ' .. hold .. ' ' .. client
    fields[g + 1], fields[g + 2], fields[g + 3], fields[g + 4] = 'id', id, 'start', start
    fields[g + 5], fields[g + 6], fields[g + 7], fields[g + 8] = 'end', ARGV[o + 3], 'series_n', ARGV[o + 1]
    redis.call('HSET', KEYS[9 + i], unpack(fields))
    if hold ~= '0' then
      if ARGV[o + 5] ~= '0' then
        redis.call('HSET', KEYS[9 + i], 'hold_until', hold, 'pay_by', ARGV[o + 5])
        remind[#remind + 1], remind[#remind + 2] = ARGV[3], id
      end
      redis.call('PEXPIRE', KEYS[9 + i], tonumber(hold) - now + keep)
      queue[#queue + 1], queue[#queue + 2] = hold, id
    else
      kept[#kept + 1], kept[#kept + 2] = ARGV[o + 3], id
      remind[#remind + 1], remind[#remind + 2] = ARGV[3], id
    end
  end
  if n > 0 then
    redis.call('ZADD', KEYS[1], unpack(sched))
    redis.call('HSET', KEYS[2], unpack(span))
    if most > longest then redis.call('SET', KEYS[3], string.format('%d', most)) end
    if #queue > 0 then redis.call('ZADD', KEYS[4], unpack(queue)) end
    if #kept > 0 then redis.call('ZADD', KEYS[6], 'NX', unpack(kept)) end
    if #remind > 0 then redis.call('ZADD', KEYS[5], unpack(remind)) end
  end

  -- The series' record.
  if ARGV[8] == '' then
    redis.call('HSET', KEYS[7], unpack(ARGV, 15, 14 + f))
    if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[7], tonumber(ARGV[4]) - now + keep) end
  elseif gap then
    local t = redis.call('HMGET', KEYS[7], 'taken', 'missed')
    redis.call('HSET', KEYS[7], 'taken', inWeekOrder(t[1], ARGV[10]), 'missed', withoutWord(t[2], gap), 'updated_at', ARGV[3])
    return {'OK'}
  else
    local t = redis.call('HMGET', KEYS[7], 'taken', 'missed')
    redis.call('HSET', KEYS[7], 'next', ARGV[9], 'taken', join(t[1], ARGV[10]), 'missed', join(t[2], ARGV[11]),
      'extend_at', ARGV[12], 'updated_at', ARGV[3])
  end
  if ARGV[12] ~= '0' then redis.call('ZADD', KEYS[8], ARGV[12], ARGV[1]) end
  return {'OK'}
end
`

// reserveTakeSeriesScript is reserveSeriesLua and then takeSeriesScript
// in one step, for a single Redis server (on a cluster the client's and
// the therapist's keys live on different nodes, and the two run one after
// the other): a series in one round trip. A refused take gives the
// client's side back.
//
// KEYS[1..3] reserveSeriesLua's  KEYS[4..] takeSeriesScript's
// ARGV[1] r, the count of reserveSeriesLua's arguments  ARGV[2..1+r] those  ARGV[2+r..] takeSeriesScript's
// Returns reserveSeriesLua's refusals | takeSeriesScript's answer.
var reserveTakeSeriesScript = redis.NewScript(luaConflict + takeSeriesFunc +
	"local function reserve(KEYS, ARGV)\n" + reserveSeriesLua + "\nend\n" + `
local r = tonumber(ARGV[1])
local res = reserve({KEYS[1], KEYS[2], KEYS[3]}, {unpack(ARGV, 2, 1 + r)})
if res[1] ~= 'OK' then return res end
local tk = takeSeries({unpack(KEYS, 4)}, {unpack(ARGV, 2 + r)})
if tk[1] ~= 'OK' then
  redis.call('ZREM', KEYS[2], ARGV[2])
  for i = 7, 1 + r, 2 do redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return tk
`)

// confirmSeriesScript books a held series: every occurrence, as
// confirmScript books one hold, or none; a compare-and-set on the token
// the holds share. Each occurrence must be the client's.
//
// KEYS[1] the series' hash  KEYS[2] span  KEYS[3] the hold-expiry queue
// KEYS[4] the reminder queue  KEYS[5] the kept appointments  KEYS[6..] the occurrences' hashes
// ARGV[1] token  ARGV[2] now ms  ARGV[3] client id  ARGV[4..] the occurrences' ids
// Returns {"OK"} | {"NOTFOUND"} | {"EXPIRED"} (a hold ran out) | {"CONFLICT"}.
var confirmSeriesScript = redis.NewScript(`
local n = #ARGV - 3
local occ = {}
for i = 1, n do
  occ[i] = redis.call('HMGET', KEYS[5 + i], 'status', 'token', 'client', 'end')
  if occ[i][3] ~= ARGV[3] then return {'NOTFOUND'} end
end
local s = redis.call('HMGET', KEYS[1], 'status', 'token', 'hold_until')
if not s[1] then return {'NOTFOUND'} end
if s[2] ~= ARGV[1] then return {'CONFLICT'} end
if s[1] == 'confirmed' then return {'OK'} end
if s[1] ~= 'held' then return {'CONFLICT'} end
if tonumber(s[3]) <= tonumber(ARGV[2]) then return {'EXPIRED'} end
local sp = {}
if n > 0 then sp = redis.call('HMGET', KEYS[2], unpack(ARGV, 4)) end
for i = 1, n do
  if occ[i][1] ~= 'held' or occ[i][2] ~= ARGV[1] or not sp[i] then return {'EXPIRED'} end
end

local span, kept, remind = {}, {}, {}
for i = 1, n do
  local id = ARGV[3 + i]
  span[#span + 1], span[#span + 2] = id, string.match(sp[i], '^(%d+) ') .. ' 0 ' .. ARGV[3]
  kept[#kept + 1], kept[#kept + 2] = occ[i][4], id
  remind[#remind + 1], remind[#remind + 2] = ARGV[2], id
  redis.call('HSET', KEYS[5 + i], 'status', 'confirmed', 'updated_at', ARGV[2], 'remind_from', ARGV[2])
  redis.call('PERSIST', KEYS[5 + i])
end
if n > 0 then
  redis.call('HSET', KEYS[2], unpack(span))
  redis.call('ZADD', KEYS[5], 'NX', unpack(kept))
  redis.call('ZREM', KEYS[3], unpack(ARGV, 4))
  redis.call('ZADD', KEYS[4], unpack(remind))
end
redis.call('HSET', KEYS[1], 'status', 'confirmed', 'updated_at', ARGV[2])
redis.call('PERSIST', KEYS[1])
return {'OK'}
`)

// releaseSeriesScript lets go of a held series: every occurrence still
// held under its token, as releaseScript lets go of one hold.
//
// KEYS[1] the series' hash  KEYS[2] sched  KEYS[3] span  KEYS[4] the hold-expiry queue
// KEYS[5..] the occurrences' hashes
// ARGV[1] token  ARGV[2] now ms  ARGV[3] client id  ARGV[4] how long the hashes are kept, ms
// ARGV[5..] the occurrences' ids
// Returns {"OK", id, start ms, end ms, …} (the holds let go now) | {"NOTFOUND"} |
// {"CONFLICT"} (another token).
var releaseSeriesScript = redis.NewScript(`
local s = redis.call('HMGET', KEYS[1], 'status', 'token')
if not s[1] then return {'OK'} end
if s[2] ~= ARGV[1] then return {'CONFLICT'} end
local n = #ARGV - 4
local occ = {}
for i = 1, n do
  occ[i] = redis.call('HMGET', KEYS[4 + i], 'status', 'token', 'client', 'start', 'end')
  if occ[i][1] and occ[i][3] ~= ARGV[3] then return {'NOTFOUND'} end
end
if s[1] ~= 'held' then return {'OK'} end

local out, ids = {'OK'}, {}
for i = 1, n do
  if occ[i][1] == 'held' and occ[i][2] == ARGV[1] then
    local id = ARGV[4 + i]
    ids[#ids + 1] = id
    out[#out + 1], out[#out + 2], out[#out + 3] = id, occ[i][4], occ[i][5]
    redis.call('HSET', KEYS[4 + i], 'status', 'cancelled_client', 'updated_at', ARGV[2])
    redis.call('PEXPIRE', KEYS[4 + i], ARGV[4])
  end
end
if #ids > 0 then
  redis.call('ZREM', KEYS[2], unpack(ids))
  redis.call('HDEL', KEYS[3], unpack(ids))
  redis.call('ZREM', KEYS[4], unpack(ids))
end
redis.call('HSET', KEYS[1], 'status', 'cancelled_client', 'updated_at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return out
`)

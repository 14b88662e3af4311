package storage

import "github.com/redis/go-redis/v9"

// replaceBusyScript replaces the busy times of one of a therapist's own
// calendars in one step: those no longer in the calendar are freed, the
// new ones taken in sched/span as time off (client 0, no hold), whatever
// overlaps them (an import never cancels a booking). A busy time's id is
// made of its source and times, so a retry, or the same calendar read
// again, changes nothing. Each new busy time that overlaps a live hold or
// booking is returned with it, once (the therapist is told).
//
// KEYS[1] sched  KEYS[2] span  KEYS[3] maxspan  KEYS[4] the source's busy times
// KEYS[5] the source's state  KEYS[6] the therapist's sources
// ARGV[1] now ms  ARGV[2] source  ARGV[3] etag  ARGV[4] last-modified
// ARGV[5..] start ms, end ms of each busy time
// Returns {"OK", added, removed, busy id, appointment id, busy id, appointment id, ...}.
var replaceBusyScript = redis.NewScript(luaConflict + `
local now, src = tonumber(ARGV[1]), ARGV[2]
local want, order = {}, {}
for i = 5, #ARGV, 2 do
  local id = 'b:' .. src .. ':' .. ARGV[i] .. ':' .. ARGV[i + 1]
  if not want[id] then order[#order + 1] = id end
  want[id] = {ARGV[i], ARGV[i + 1]}
end

local removed = 0
for _, id in ipairs(redis.call('HKEYS', KEYS[4])) do
  if not want[id] then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[4], id)
    removed = removed + 1
  end
end

local out = {'OK', 0, removed}
local longest = tonumber(redis.call('GET', KEYS[3]) or '0')
for _, id in ipairs(order) do
  if redis.call('HEXISTS', KEYS[4], id) == 0 then
    local start, bend = tonumber(want[id][1]), tonumber(want[id][2])
    local ids = redis.call('ZRANGEBYSCORE', KEYS[1], start - longest, '(' .. bend)
    for _, other in ipairs(ids) do
      local sp = redis.call('HGET', KEYS[2], other)
      if sp and string.sub(other, 1, 2) ~= 'b:' and string.sub(other, 1, 4) ~= 'blk-' then
        local oend, ohold = string.match(sp, '^(%d+) (%d+)')
        local live = tonumber(ohold) == 0 or tonumber(ohold) > now
        if live and tonumber(oend) > start then
          out[#out + 1] = id
          out[#out + 1] = other
        end
      end
    end
    take(KEYS[1], KEYS[2], KEYS[3], id, want[id][1], want[id][2], '0', '0')
    redis.call('HSET', KEYS[4], id, want[id][1] .. ' ' .. want[id][2])
    if bend - start > longest then longest = bend - start end
    out[2] = out[2] + 1
  end
end

redis.call('HSET', KEYS[5], 'etag', ARGV[3], 'modified', ARGV[4], 'at', ARGV[1], 'count', #order)
if #order > 0 then
  redis.call('SADD', KEYS[6], src)
else
  redis.call('SREM', KEYS[6], src)
end
return out
`)

// busyRecoveredScript ends a calendar's run of failed reads, and says
// whether the therapist had been told of it. A retry finds nothing to end.
//
// KEYS[1] the source's state
// Returns {"TOLD"} | {"OK"}.
var busyRecoveredScript = redis.NewScript(`
local told = redis.call('HGET', KEYS[1], 'told')
redis.call('HDEL', KEYS[1], 'failing', 'told', 'error')
if told then return {'TOLD'} end
return {'OK'}
`)

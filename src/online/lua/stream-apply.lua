-- stream-apply: writes one micro-batch of a stream view into its tiles and moves its ingestion state, atomically and
-- only if the state still holds the positions the batch was read after (a compare-and-set). A zombie consumer, a
-- concurrent one, or the same batch sent twice finds other positions and writes nothing, so no event counts twice.
-- The tile states arrive merged: the client knew the stored ones from its cache of what it wrote
-- (src/online/tile-state-cache.ts, true at the expected positions) or read them with stream-read-tiles.lua under
-- the same positions, and merged them with the codec (src/online/stream-batch.ts). Merging here in Lua cost 80% of
-- the ingest bench's wall time (~28 us per (entity, tile) row of Redis' single thread); native HMGET/HSET cost a few.
--
-- KEYS[1]      the view's state hash   <prefix>:<project>:{st:<view>}:__state
-- KEYS[2..]    one tile hash per entity <prefix>:<project>:{st:<view>}:<entityKey> (field <tile>: every feature's
--              state, joined by "\28", see src/online/tile-codec.ts joinTileStates)
-- ARGV[1]      expected positions: the exact JSON stored in state.positions, or "" for none (an absent field or an
--              empty set: a state hash an empty poll created has no positions field)
-- ARGV[2]      positions after the batch (JSON, "" for an empty set)
-- ARGV[3]      greatest event time of the batch, epoch micros, or "" (the watermark only grows)
-- ARGV[4..7]   increments of events, late, invalid, overflow
-- ARGV[8]      updatedAt (epoch ms)   ARGV[9] caughtUpAt (epoch ms, or "" to keep it)   ARGV[10] pending
-- ARGV[11]     PEXPIRE of every written tile hash (ms)
-- ARGV[12]     tiles kept per entity (retainTiles): a hash the batch added a field to that then holds more than
--              ARGV[12] + 2 fields loses the fields of tiles < (the batch's greatest tile of it) - ARGV[12]. Decided
--              here (HSET's added count, then HLEN) rather than from a read: a cached batch reads nothing.
-- ARGV[13..]   one per tile key (ARGV[11 + k] for KEYS[k]): `tile "\29" value` records joined by "\30" (state texts
--              never hold "\30" or "\29": JSON escapes them). Packed: 100,000 separate ARGV took 77 ms of argument
--              handling per batch, packed 14 ms (bench/stream/tiles-apply.ts, STALE=1).
-- Returns 1 when written, 0 when the stored positions differ from ARGV[1] (nothing written).

local stored = redis.call('HGET', KEYS[1], 'positions')
if stored == false then stored = '' end
if stored ~= ARGV[1] then return 0 end
if #ARGV ~= 11 + #KEYS then return redis.error_reply('STREAM_BATCH expected one ARGV per tile key') end

-- Parse and check the whole batch before writing anything: Redis does not roll back a script that fails half-way.
local batch = {}
local find, sub = string.find, string.sub
for k = 2, #KEYS do
  local packed = ARGV[11 + k]
  local unit = find(packed, '\29', 1, true)
  if unit and unit > 1 and unit < #packed and not find(packed, '\30', 1, true) and not find(packed, '\29', unit + 1, true) then
    -- One record (most keys of a batch: an entity in one tile), split without a pattern match.
    batch[k] = { sub(packed, 1, unit - 1), sub(packed, unit + 1) }
  else
    local flat = {}
    for field, state in string.gmatch(packed, '([^\29\30]+)\29([^\30]+)') do
      flat[#flat + 1] = field
      flat[#flat + 1] = state
    end
    batch[k] = flat
  end
end
local retain = tonumber(ARGV[12])
if retain == nil then return redis.error_reply('STREAM_BATCH retainTiles must be a number, got ' .. ARGV[12]) end

-- HSET / HDEL in slices: unpack() of a long list would overflow Lua's C stack. Returns the sum of the replies
-- (HSET: fields added).
local function chunked(cmd, key, list, step)
  local n = 0
  for i = 1, #list, step do
    n = n + redis.call(cmd, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
  return n
end

local expire_ms = ARGV[11]
for k = 2, #KEYS do
  local key = KEYS[k]
  local flat = batch[k]
  if #flat > 0 then
    local added = chunked('HSET', key, flat, 1000)
    redis.call('PEXPIRE', key, expire_ms)
    -- Only a new field can take a hash past the threshold.
    if added > 0 and redis.call('HLEN', key) > retain + 2 then
      local top = tonumber(flat[1])
      for i = 3, #flat, 2 do
        local t = tonumber(flat[i])
        if t > top then top = t end
      end
      local floor = top - retain
      local old = {}
      for _, f in ipairs(redis.call('HKEYS', key)) do
        local t = tonumber(f)
        if t ~= nil and t < floor then old[#old + 1] = f end
      end
      chunked('HDEL', key, old, 1000)
    end
  end
end

local function num(x) return string.format('%.17g', x) end
local wm = tonumber(redis.call('HGET', KEYS[1], 'watermark') or '0') or 0
if ARGV[3] ~= '' and tonumber(ARGV[3]) > wm then wm = tonumber(ARGV[3]) end
redis.call('HSET', KEYS[1], 'positions', ARGV[2], 'watermark', num(wm), 'updatedAt', ARGV[8], 'pending', ARGV[10])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'caughtUpAt', ARGV[9]) end
redis.call('HINCRBY', KEYS[1], 'events', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'late', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'invalid', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'overflow', ARGV[7])
return 1

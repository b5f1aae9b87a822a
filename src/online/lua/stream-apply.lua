-- stream-apply: folds one micro-batch of a stream view into its tiles and moves its ingestion state, atomically and
-- only if the state still holds the positions the batch was read after (a compare-and-set). A zombie consumer, a
-- concurrent one, or the same batch sent twice finds other positions and writes nothing, so no event counts twice.
--
-- KEYS[1]      the view's state hash   <prefix>:<project>:{st:<view>}:__state
-- KEYS[2..]    one tile hash per entity <prefix>:<project>:{st:<view>}:<entityKey> (field <tile>:<featureIndex>)
-- ARGV[1]      expected positions: the exact JSON stored in state.positions, or "" when none may be stored yet
-- ARGV[2]      positions after the batch (JSON)
-- ARGV[3]      greatest event time of the batch, epoch micros, or "" (the watermark only grows)
-- ARGV[4..7]   increments of events, late, invalid, overflow
-- ARGV[8]      updatedAt (epoch ms)   ARGV[9] caughtUpAt (epoch ms, or "" to keep it)   ARGV[10] pending
-- ARGV[11]     tiles kept per entity   ARGV[12] PEXPIRE of every written tile hash (ms)
-- ARGV[13]     field count past which a tile hash is pruned
-- ARGV[14]     the kind (aggregation function) of each feature of the view, in order, joined by ","
-- ARGV[15..]   one per tile key, in KEYS order (ARGV[13 + k] for KEYS[k]): its states as records joined by "\30",
--              each `tile "\29" featureIndex "\29" state text` (state texts never hold "\30": JSON escapes it).
--              Packed: a batch of 5,000 rows x 5 features sent as 100,000 ARGV took 77 ms before the script even
--              compared positions (client encoding and server argument handling), packed 14 ms
--              (bench/stream/tiles-apply.ts, STALE=1).
-- Returns {1, dropped} when applied (dropped: count_distinct values beyond the per-tile cap, added to overflow), or
-- {0} when the stored positions differ from ARGV[1] (nothing written).
--
-- State texts and merges mirror src/online/tile-codec.ts (numbers written %.17g, which reads back as the same double).

local MAX_DISTINCT = 10000
local SEP = '\031'

local stored = redis.call('HGET', KEYS[1], 'positions')
if stored == false then stored = '' end
if stored ~= ARGV[1] then return {0} end

local function num(x) return string.format('%.17g', x) end

local function two(text)
  local x, y = string.match(text, '^([^,]*),(.*)$')
  return tonumber(x), tonumber(y)
end

local function three(text)
  local x, y, z = string.match(text, '^([^,]*),([^,]*),(.*)$')
  return tonumber(x), tonumber(y), tonumber(z)
end

local function bytes_cmp(x, y)
  local n = math.min(#x, #y)
  for i = 1, n do
    local cx, cy = string.byte(x, i), string.byte(y, i)
    if cx ~= cy then return cx < cy and -1 or 1 end
  end
  return #x - #y
end

-- Order of two `last` values (JSON texts) with equal event times, as DuckDB orders them.
local function value_cmp(a, b)
  local oka, x = pcall(cjson.decode, a)
  local okb, y = pcall(cjson.decode, b)
  if oka and okb and type(x) == type(y) then
    if type(x) == 'number' then return x == y and 0 or (x > y and 1 or -1) end
    if type(x) == 'boolean' then return (x and 1 or 0) - (y and 1 or 0) end
    if type(x) == 'string' then return bytes_cmp(x, y) end
  end
  return bytes_cmp(a, b)
end

local dropped = 0

-- Small sets (the common case) by plain find and append, without building tables (20 of the ~100 ms of a
-- 5,000-row bench batch went to building them); large ones through a set. 2,048 bytes hold at most ~1,000 values,
-- far below the cap. Both keep a's values in order and append b's new ones in order, as the codec's mergeDistinct.
local function merge_distinct(a, b)
  if #a + #b > 2048 then
    local seen, out = {}, {}
    for v in string.gmatch(a, '[^' .. SEP .. ']+') do
      if not seen[v] then seen[v] = true; out[#out + 1] = v end
    end
    for v in string.gmatch(b, '[^' .. SEP .. ']+') do
      if not seen[v] then
        if #out >= MAX_DISTINCT then dropped = dropped + 1 else seen[v] = true; out[#out + 1] = v end
      end
    end
    return table.concat(out, SEP)
  end
  local hay, out = SEP .. a .. SEP, a
  for v in string.gmatch(b, '[^' .. SEP .. ']+') do
    if not string.find(hay, SEP .. v .. SEP, 1, true) then
      out = out .. SEP .. v
      hay = hay .. v .. SEP
    end
  end
  return out
end

local function merge(kind, a, b)
  if kind == 'count' then return num(tonumber(a) + tonumber(b)) end
  if kind == 'sum' or kind == 'avg' then
    local an, as = two(a)
    local bn, bs = two(b)
    return num(an + bn) .. ',' .. num(as + bs)
  end
  if kind == 'min' then return num(math.min(tonumber(a), tonumber(b))) end
  if kind == 'max' then return num(math.max(tonumber(a), tonumber(b))) end
  if kind == 'stddev' then
    local an, amean, am2 = three(a)
    local bn, bmean, bm2 = three(b)
    local n = an + bn
    local d = bmean - amean
    return num(n) .. ',' .. num(amean + (d * bn) / n) .. ',' .. num(am2 + bm2 + (d * d * an * bn) / n)
  end
  if kind == 'count_distinct' then return merge_distinct(a, b) end
  if kind == 'last' then
    local ea, va = string.match(a, '^([^|]*)|(.*)$')
    local eb, vb = string.match(b, '^([^|]*)|(.*)$')
    ea, eb = tonumber(ea), tonumber(eb)
    if eb ~= ea then return eb > ea and b or a end
    return value_cmp(vb, va) > 0 and b or a
  end
end

-- HSET / HDEL in slices: unpack() of a long list would overflow Lua's C stack.
local function chunked(cmd, key, list, step)
  for i = 1, #list, step do
    redis.call(cmd, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end

-- Parse and check the whole batch before writing anything: Redis does not roll back a script that fails half-way.
local KINDS = { count = 1, sum = 1, avg = 1, min = 1, max = 1, stddev = 1, count_distinct = 1, last = 1 }
local kinds = {}
for kind in string.gmatch(ARGV[14], '[^,]+') do
  if not KINDS[kind] then return redis.error_reply('STREAM_BATCH unknown tile state kind ' .. kind) end
  kinds[#kinds + 1] = kind
end
if #ARGV ~= 13 + #KEYS then return redis.error_reply('STREAM_BATCH expected one ARGV per tile key') end
local batch = {}
for k = 2, #KEYS do
  local fields, fkinds, states, max_tile = {}, {}, {}, nil
  for tile, f, state in string.gmatch(ARGV[13 + k], '(%-?%d+)\29(%d+)\29([^\30]*)') do
    local kind = kinds[tonumber(f) + 1]
    if kind == nil then return redis.error_reply('STREAM_BATCH feature index ' .. f .. ' beyond the view\'s ' .. #kinds) end
    local n = #fields + 1
    fields[n], fkinds[n], states[n] = tile .. ':' .. f, kind, state
    local t = tonumber(tile)
    if max_tile == nil or t > max_tile then max_tile = t end
  end
  batch[k] = { fields, fkinds, states, max_tile }
end

local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, 1000 do
    local got = redis.call('HMGET', key, unpack(fields, i, math.min(i + 999, #fields)))
    for j = 1, #got do out[i + j - 1] = got[j] end
  end
  return out
end

local retain = tonumber(ARGV[11])
local expire_ms = ARGV[12]
local prune_at = tonumber(ARGV[13])
for k = 2, #KEYS do
  local key = KEYS[k]
  local fields, fkinds, states, max_tile = batch[k][1], batch[k][2], batch[k][3], batch[k][4]
  local m = #fields
  if m > 0 then
    local current = hmget(key, fields)
    local merged, flat = {}, {}
    for i = 1, m do
      local f = fields[i]
      local old = merged[f] or current[i]
      if old then merged[f] = merge(fkinds[i], old, states[i]) else merged[f] = states[i] end
    end
    for f, v in pairs(merged) do flat[#flat + 1] = f; flat[#flat + 1] = v end
    chunked('HSET', key, flat, 1000)
    redis.call('PEXPIRE', key, expire_ms)
    if redis.call('HLEN', key) > prune_at then
      local floor = max_tile - retain
      local old = {}
      for _, f in ipairs(redis.call('HKEYS', key)) do
        local t = tonumber(string.match(f, '^(-?%d+):'))
        if t ~= nil and t < floor then old[#old + 1] = f end
      end
      chunked('HDEL', key, old, 1000)
    end
  end
end

local wm = tonumber(redis.call('HGET', KEYS[1], 'watermark') or '0') or 0
if ARGV[3] ~= '' and tonumber(ARGV[3]) > wm then wm = tonumber(ARGV[3]) end
redis.call('HSET', KEYS[1], 'positions', ARGV[2], 'watermark', num(wm), 'updatedAt', ARGV[8], 'pending', ARGV[10])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'caughtUpAt', ARGV[9]) end
redis.call('HINCRBY', KEYS[1], 'events', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'late', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'invalid', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'overflow', tonumber(ARGV[7]) + dropped)
return {1, dropped}

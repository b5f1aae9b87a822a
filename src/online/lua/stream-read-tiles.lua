-- stream-read-tiles: the first half of writing a micro-batch of a stream view (src/online/stream-tiles.ts), when the
-- consumer's cache (src/online/tile-state-cache.ts) cannot tell a tile's state: the first batches of a run, or no
-- cache. Reads, in one atomic step, the view's stored positions and watermark and the current states of the tile
-- fields asked, so the client merges them (in JS, with the codec that serving uses) and stream-apply.lua only
-- writes. The snapshot is consistent with the positions: stream-apply.lua writes only if the positions are still the
-- ones read here, and every applied batch moves them forward, so no write can have slipped in between.
--
-- KEYS[1]      the view's state hash   <prefix>:<project>:{st:<view>}:__state
-- KEYS[2..]    tile hashes to read, one per entity <prefix>:<project>:{st:<view>}:<entityKey>
-- ARGV[k - 1]  for KEYS[k] (k >= 2): the fields wanted (`<tile>`), joined by "\30"
-- Returns {positions, watermark, values of KEYS[2], values of KEYS[3], ...}: positions and watermark "" when none
-- are stored; values joined by "\30" in the order asked, "" for a field not stored (no stored state is empty).
-- The watermark (epoch micros, the greatest event time applied) bounds every stored tile: the cache restarts from it.
--
-- One script rather than a MULTI of HMGETs: one reply string per key instead of one array element per field,
-- and one argument per key: ioredis spent ~50 ms of the client's thread per 3,000-key batch on a MULTI.

local positions = redis.call('HGET', KEYS[1], 'positions')
if positions == false then positions = '' end
local out = { positions, redis.call('HGET', KEYS[1], 'watermark') or '' }
local find, call = string.find, redis.call
for k = 2, #KEYS do
  local wanted = ARGV[k - 1]
  if not find(wanted, '\30', 1, true) then
    -- One field (most keys of a batch: an entity in one tile): no list to split, build and join.
    out[#out + 1] = call('HGET', KEYS[k], wanted) or ''
  else
    local fields = {}
    for f in string.gmatch(wanted, '[^\30]+') do fields[#fields + 1] = f end
    local values = {}
    for i = 1, #fields, 1000 do
      local got = call('HMGET', KEYS[k], unpack(fields, i, math.min(i + 999, #fields)))
      for j = 1, #got do values[i + j - 1] = got[j] or '' end
    end
    out[#out + 1] = table.concat(values, '\30')
  end
end
return out

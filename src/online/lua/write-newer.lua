-- write-newer: newer-wins write of many row keys in one atomic call (materialization's only write path).
--
-- KEYS[i]          row key i (all in one cluster slot: the caller groups keys by slot)
-- ARGV[4*(i-1)+1]  eventMicros of row i (decimal epoch microseconds)
-- ARGV[4*(i-1)+2]  createdMicros of row i, or "" when the row has none
-- ARGV[4*(i-1)+3]  the full stored value "<event>,<created>,<schemaId>;<payload>"
-- ARGV[4*(i-1)+4]  expiry as epoch milliseconds for SET PXAT, or "0" for no expiry
-- Returns {written, skipped}.
--
-- A row is written only when its (event, created) is strictly greater than the stored one, so retries (equal
-- times) are no-ops and out-of-order chunks never roll a key back; a later created time at the same event time is
-- a correction and wins. A missing created time sorts below every created time. Times are < 2^53, exact as Lua
-- doubles. A stored value we cannot parse is treated as absent and overwritten.

local written = 0
local skipped = 0

local function stored_times(current)
  local c1 = string.find(current, ',', 1, true)
  if not c1 then return nil end
  local c2 = string.find(current, ',', c1 + 1, true)
  if not c2 then return nil end
  local event = tonumber(string.sub(current, 1, c1 - 1))
  local created_text = string.sub(current, c1 + 1, c2 - 1)
  local created = -math.huge
  if created_text ~= '' then created = tonumber(created_text) end
  if event == nil or created == nil then return nil end
  return event, created
end

for i = 1, #KEYS do
  local base = 4 * (i - 1)
  local event = tonumber(ARGV[base + 1])
  local created = -math.huge
  if ARGV[base + 2] ~= '' then created = tonumber(ARGV[base + 2]) end

  local newer = true
  local current = redis.call('GET', KEYS[i])
  if current then
    local stored_event, stored_created = stored_times(current)
    if stored_event ~= nil then
      newer = event > stored_event or (event == stored_event and created > stored_created)
    end
  end

  if newer then
    local pxat = ARGV[base + 4]
    if pxat ~= '0' then
      redis.call('SET', KEYS[i], ARGV[base + 3], 'PXAT', pxat)
    else
      redis.call('SET', KEYS[i], ARGV[base + 3])
    end
    written = written + 1
  else
    skipped = skipped + 1
  end
end

return { written, skipped }

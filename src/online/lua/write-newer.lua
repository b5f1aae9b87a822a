-- write-newer: newer-wins write of many row keys in one atomic call (materialization's only write path).
--
-- KEYS[i]          row key i (all in one cluster slot: the caller groups keys by slot)
-- ARGV[2*(i-1)+1]  the full stored value of row i, "<eventMicros>,<createdMicros>,<schemaId>;<payload>"
--                  (createdMicros empty when the row has none)
-- ARGV[2*(i-1)+2]  expiry as epoch milliseconds for SET PXAT, or "0" for no expiry
-- Returns {written, skipped}.
--
-- A row is written only when its (event, created) is strictly greater than the stored one, so retries (equal
-- times) are no-ops and out-of-order chunks never roll a key back; a later created time at the same event time is
-- a correction and wins. A missing created time sorts below every created time. Times are < 2^53, exact as Lua
-- doubles. A stored value we cannot parse is treated as absent and overwritten.
-- The times are read from the values' own headers, and only when the key already exists: a first materialization
-- (new keys) costs one SET NX GET per key and no parsing at all.

local written = 0
local skipped = 0

local function times_of(value)
  local c1 = string.find(value, ',', 1, true)
  if not c1 then return nil end
  local c2 = string.find(value, ',', c1 + 1, true)
  if not c2 then return nil end
  local event = tonumber(string.sub(value, 1, c1 - 1))
  local created = -math.huge
  if c2 > c1 + 1 then created = tonumber(string.sub(value, c1 + 1, c2 - 1)) end
  if event == nil or created == nil then return nil end
  return event, created
end

for i = 1, #KEYS do
  local value = ARGV[2 * i - 1]
  local pxat = ARGV[2 * i]
  -- SET NX GET writes a new key in this one call; for an existing key it hands back the stored value instead.
  local current
  if pxat ~= '0' then
    current = redis.call('SET', KEYS[i], value, 'NX', 'GET', 'PXAT', pxat)
  else
    current = redis.call('SET', KEYS[i], value, 'NX', 'GET')
  end
  if not current then
    written = written + 1
  else
    local newer = true
    local stored_event, stored_created = times_of(current)
    if stored_event ~= nil then
      local event, created = times_of(value)
      newer = event > stored_event or (event == stored_event and created > stored_created)
    end
    if newer then
      if pxat ~= '0' then
        redis.call('SET', KEYS[i], value, 'PXAT', pxat)
      else
        redis.call('SET', KEYS[i], value)
      end
      written = written + 1
    else
      skipped = skipped + 1
    end
  end
end

return { written, skipped }

-- advance-watermark: moves one view's materialization watermark forward, atomically (a compare-and-set in one
-- script), so two runs racing, or backfill chunks finishing out of order, can never move it back.
--
-- KEYS[1]  the watermarks hash, <keyPrefix>:<project>:__materialized (field <view> -> JSON {end, at, newestEvent})
-- ARGV[1]  the field: the view's name
-- ARGV[2]  "record" (a materialization run: may record the first watermark) or "advance" (a backfill chunk: only
--          moves an existing watermark, never records a first one, since earlier chunks may still be running)
-- ARGV[3]  the run's start as epoch ms, or "" when it had none
-- ARGV[4]  the run's end as epoch ms          ARGV[5]  the same instant as ISO-8601
-- ARGV[6]  newest event written, epoch ms, or ""   ARGV[7]  the same as ISO-8601, or ""
-- ARGV[8]  when the run finished, epoch ms    ARGV[9]  the same as ISO-8601
-- Returns the stored JSON after the call, or nil when nothing was recorded ("advance" with no watermark yet).
-- Errors with "CORRUPT_WATERMARK ..." when the stored value is not a watermark this script can read.
--
-- Rules: the end moves to the run's end only when the run joins up with what is recorded now (start <= recorded
-- end; a far-off range must not make incremental runs skip the gap before it), and only forward. newestEvent and
-- at only ever grow. Every comparison is against the value stored at the moment of the write, not one read before
-- the run, which is what makes concurrent runs safe. Instants are compared as epoch ms (< 2^53, exact as Lua
-- doubles), parsed here because other tools may store offsets other than Z.

local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function iso_ms(text)
  if type(text) ~= 'string' then return nil end
  local y, mo, d, h, mi, rest = string.match(text, '^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d)(.*)$')
  if not y then return nil end
  local sec, frac = 0, 0
  local s = string.match(rest, '^:(%d%d)')
  if s then
    sec = tonumber(s)
    rest = string.sub(rest, 4)
    local f = string.match(rest, '^%.(%d+)')
    if f then
      frac = tonumber(string.sub(f .. '000', 1, 3))
      rest = string.sub(rest, #f + 2)
    end
  end
  local offset = 0
  if rest ~= 'Z' and rest ~= 'z' then
    local sign, oh, om = string.match(rest, '^([+-])(%d%d):?(%d%d)$')
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60000
    if sign == '-' then offset = -offset end
  end
  local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(d))
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 + sec * 1000 + frac - offset
end

local view, mode = ARGV[1], ARGV[2]
local start_ms = tonumber(ARGV[3])
local end_ms, end_iso = tonumber(ARGV[4]), ARGV[5]
local newest_ms, newest_iso = tonumber(ARGV[6]), ARGV[7]
local at_ms, at_iso = tonumber(ARGV[8]), ARGV[9]

local stored = redis.call('HGET', KEYS[1], view)
local wm
if not stored then
  if mode == 'advance' then return nil end
  wm = { ['end'] = end_iso, at = at_iso }
  if newest_ms then wm.newestEvent = newest_iso end
else
  local ok, decoded = pcall(cjson.decode, stored)
  if not ok or type(decoded) ~= 'table' then
    return redis.error_reply('CORRUPT_WATERMARK stored watermark of "' .. view .. '" is not JSON')
  end
  wm = decoded
  local cur_end = iso_ms(wm['end'])
  if not cur_end then
    return redis.error_reply('CORRUPT_WATERMARK stored watermark of "' .. view .. '" has no readable end')
  end
  if start_ms and start_ms <= cur_end and end_ms > cur_end then wm['end'] = end_iso end
  local cur_newest = iso_ms(wm.newestEvent)
  if newest_ms and (not cur_newest or newest_ms > cur_newest) then wm.newestEvent = newest_iso end
  local cur_at = iso_ms(wm.at)
  if not cur_at or at_ms > cur_at then wm.at = at_iso end
end

local json = cjson.encode(wm)
redis.call('HSET', KEYS[1], view, json)
return json

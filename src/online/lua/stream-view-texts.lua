-- stream-view-texts: what serving reads of one stream view (src/online/stream-read.ts) in one call: the view's
-- state fields it needs and each entity's tile hash as ONE text, fields and states alternating, joined by "\30" (the
-- record separator no state may hold: stream-tiles.ts refuses it on write). HGETALL's reply is 2 x fields bulk
-- strings, each a Buffer and a string to the client: at 305 fields that decoding cost the server more than the rest
-- of the read; one text scanned in JS costs a fraction of it (Redis does the join). The state rides along rather
-- than in its own HMGET: a command, a reply and a promise less per read on the server's one thread.
--
-- KEYS[1]    the view's state hash    <prefix>:<project>:{st:<view>}:__state (same slot as the tiles)
-- KEYS[2..]  one tile hash per entity <prefix>:<project>:{st:<view>}:<entityKey>
-- Returns {caughtUpAt, watermark, text of KEYS[2], text of KEYS[3], ...}: a state field not stored is "", the text
-- of a missing hash "".
local state = redis.call('HMGET', KEYS[1], 'caughtUpAt', 'watermark')
local out = { state[1] or '', state[2] or '' }
for k = 2, #KEYS do out[k + 1] = table.concat(redis.call('HGETALL', KEYS[k]), '\30') end
return out

-- stream-tiles-text: one entity's tile hash (a stream view's, read by stream-read.ts) as ONE text, its fields and
-- states alternating, joined by "\30" (the record separator no state may hold: stream-tiles.ts refuses it on write).
-- HGETALL's reply is 2 x fields bulk strings, each a Buffer and a string to the client: at 305 fields that decoding
-- cost the server more than the rest of the read; one text split in JS costs a fraction of it (Redis does the join).
--
-- KEYS[1]  the tile hash
return table.concat(redis.call('HGETALL', KEYS[1]), '\30')

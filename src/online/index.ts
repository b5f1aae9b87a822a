/** The online store's public pieces: the contract, the Redis implementation, codecs and errors. */
export type * from './types.js';
export { connectOnlineStore, RedisOnlineStore } from './redis-store.js';
export { connectRepoStore, resolveOnlineStoreTarget, type OnlineStoreTarget } from './store-target.js';
export type { OnlineStoreOptions } from './connection.js';
export { viewLayout } from './layout.js';
export { encodeEntityKey, keySlot, rowKey, schemaKey, watermarksKey } from './keys.js';
export { decodeValue, encodeValue, type DecodedValue } from './value-codec.js';
export { encodeRow, formatStoredValue, parseStoredValue, schemaIdOf, type StoredValue } from './stored-value.js';
export { formatMicros, parseIsoMicros, type TimestampMicros } from './timestamp.js';
export {
  CorruptOnlineValueError,
  InvalidEntityKeyError,
  InvalidFeatureValueError,
  InvalidOnlineStoreConfigError,
  InvalidWatermarkError,
  OnlineStoreError,
  OnlineStoreUnavailableError,
} from './errors.js';
export { streamStateKey, streamTilesKey } from './keys.js';
export {
  applyTileBatch,
  positionsJson,
  readStreamState,
  readStreamTiles,
  touchStreamState,
  windowValues,
  type StoredStreamState,
  type StreamStateUpdate,
  type StreamViewRef,
  type TileBatch,
  type TileRow,
  type WindowSpec,
} from './stream-tiles.js';
export {
  encodeTileState,
  finalizeTileState,
  MAX_DISTINCT_PER_TILE,
  mergeTileStates,
  parseTileState,
  type FeatureValue,
  type TileKind,
  type TileState,
} from './tile-codec.js';

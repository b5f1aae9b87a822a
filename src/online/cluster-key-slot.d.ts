// cluster-key-slot ships no types (ioredis uses it internally); only what keys.ts calls is declared.
declare module 'cluster-key-slot' {
  /** Redis Cluster slot (0-16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}

/** The 10-feature view every serving and push benchmark reads and writes, so their figures compare. */
export const FEATURES = [
  ['clicks_1d', 'int64'], ['clicks_7d', 'int64'], ['orders_1d', 'int64'], ['orders_7d', 'int64'],
  ['amount_avg_1d', 'float64'], ['amount_avg_7d', 'float64'], ['amount_max_7d', 'float64'], ['score', 'float32'],
  ['country', 'string'], ['segments', 'string[]'],
] as const;

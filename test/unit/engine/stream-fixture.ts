/** A repo with a stream source of card transactions over a table batch source, for the stream engine tests. */
export const STREAM_REPO = {
  project: 'st',
  entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' as const }],
  sources: [
    { name: 'tx_batch', type: 'table' as const, table: 'tx', timestampField: 'ts' },
    {
      name: 'tx',
      type: 'stream' as const,
      timestampField: 'ts',
      batchSource: 'tx_batch',
      broker: { kind: 'nats' as const, stream: 'TX', subject: 'tx', durable: 'ff' },
    },
  ],
  featureViews: [],
};

/** An empty tx table with the column types a batch source of card transactions would have. */
export const TX_TABLE = `SELECT * FROM (VALUES (1::BIGINT, 1.5::DOUBLE, 'm'::VARCHAR, 'P'::VARCHAR, TIMESTAMPTZ '2024-01-01 00:00:00+00')) t(card_id, amount, merchant, kind, ts) LIMIT 0`;

/**
 * The demo's training set, built as a `trainingSet` workflow on the worker (as a team would run it from the UI or a
 * pipeline), then a few of its rows read back from the Parquet file it wrote.
 */
import { workflowUiUrl } from '../client/connection.js';
import { startTrainingSet } from '../client/training-set.js';
import { Database } from '../engine/database.js';
import { literal } from '../engine/sql.js';
import type { DemoTemporal } from './demo-temporal.js';
import { formatTable } from './table.js';

export async function runDemoTrainingSet(t: DemoTemporal, entities: string, features: string[], out: string): Promise<void> {
  const handle = await startTrainingSet(t.client, { entities, features, out, fullFeatureNames: false }, { project: t.project });
  console.log(`trainingSet ${handle.workflowId}\n  ${workflowUiUrl(handle.workflowId, t.worker.namespace, t.dev.uiUrl)}`);
  const result = await handle.result();
  const db = await Database.open({ threads: 1 });
  try {
    await db.withConnection(async (c) => {
      // Rows from the middle: the first hours have no history yet, so their features are mostly null.
      const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${literal(result.out)}) LIMIT 8 OFFSET 500`);
      console.log(formatTable(reader.getRowObjectsJson() as Array<Record<string, unknown>>, reader.columnNames()));
      const filled = await c.runAndReadAll(`SELECT count(txn_count_1h) FROM read_parquet(${literal(result.out)})`);
      console.log(`... ${result.rows} rows x ${result.columns} columns in ${result.seconds.toFixed(1)}s; ${String(filled.getRows()[0]?.[0])} have user_stats within the 2d ttl. Written to ${result.out}`);
    });
  } finally {
    db.close();
  }
}

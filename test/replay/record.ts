/**
 * Re-recording the replay histories: `npm run record:histories` (RECORD_HISTORIES=1 vitest run
 * test/integration/workflows). Each test that calls recordHistory then writes its workflow's history to
 * test/replay/histories/<name>.json (proto JSON, as the SDK's historyToJSON writes it). Without the
 * flag nothing is written, so normal runs leave the checked-in histories alone.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { historyToJson } from '../../src/devtools/history-json.js';

export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

export function recording(): boolean {
  return process.env.RECORD_HISTORIES === '1';
}

/** Writes the history of one run (default: the latest run of the id) when recording. */
export async function recordHistory(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  if (!recording()) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${historyToJson(history)}\n`);
}

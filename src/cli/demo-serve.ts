/** The demo's last step: the HTTP API over the online store, one Feast-style request, and (on request) staying up. */
import { createServer } from '../api/server.js';
import type { OnlineStore } from '../online/types.js';
import type { Repo } from '../registry/schema.js';
import { formatTable } from './table.js';

// fraud_v2 includes the on-demand view txn_risk, whose request field `amount` rides along in `entities` (Feast's way).
const SAMPLE_REQUEST = {
  feature_service: 'fraud_v2',
  entities: { user_id: [1, 2, 99999], merchant_id: [13, 26, 5], amount: [420.0, 12.5, 60.0] },
};

/** Answers one request and prints it; with `untilInterrupted`, keeps serving until that promise settles. */
export async function serveAndAsk(repo: Repo, store: OnlineStore, port: number, untilInterrupted: Promise<void> | undefined, config: string): Promise<void> {
  const api = createServer({ repo, store });
  const address = await api.listen(port, '127.0.0.1');
  try {
    const body = JSON.stringify(SAMPLE_REQUEST);
    const response = await fetch(`${address.url}/get-online-features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const answer = (await response.json()) as { metadata: { feature_names: string[] }; results: Array<{ values: unknown[]; statuses: string[] }> };
    console.log(`POST ${address.url}/get-online-features ${body}\n-> HTTP ${response.status}`);
    const rows = SAMPLE_REQUEST.entities.user_id.map((_, i) =>
      Object.fromEntries(
        answer.metadata.feature_names.map((name, c) => {
          const status = answer.results[c]?.statuses[i];
          return [name, `${JSON.stringify(answer.results[c]?.values[i])} ${status === 'PRESENT' ? '' : status}`.trim()];
        }),
      ),
    );
    console.log(formatTable(rows, answer.metadata.feature_names));
    const curl = `curl -s -X POST ${untilInterrupted ? address.url : 'http://127.0.0.1:6566'}/get-online-features -H 'content-type: application/json' -d '${body}'`;
    if (untilInterrupted) {
      console.log(`\nServing at ${address.url} (also GET /freshness, /metrics) until Ctrl-C. Try:\n  ${curl}`);
      await untilInterrupted;
    } else {
      console.log(`\nStart a server with "npx featureflow serve --config ${config}" (or run the demo with --keep-serving), then:\n  ${curl}`);
    }
  } finally {
    await api.close();
  }
}

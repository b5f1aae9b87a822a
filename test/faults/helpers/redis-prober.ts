// A client asking the API for online features back to back (one request at a time, a short pause between), keeping
// when each request was sent and answered and with what status, so a test can measure what a caller saw while Redis
// went away and came back: how soon the API said 503, how long each answer took, how soon it served again.
import http from 'node:http';

export interface Probe {
  /** performance.now() when the request was sent and when its answer (or failure) was complete. */
  sentAt: number;
  doneAt: number;
  /** HTTP status, or 0 when no answer came (socket error, or the prober's own timeout). */
  status: number;
  /** `error.code` of a JSON error body, if any. */
  code?: string;
}

export interface Prober {
  readonly probes: readonly Probe[];
  /** Resolves once a probe sent at or after `since` (performance.now()) is answered with `status`. */
  waitFor(status: number, since: number, timeoutMs: number): Promise<Probe>;
  stop(): Promise<void>;
}

const PAUSE_MS = 20;
const REQUEST_TIMEOUT_MS = 10_000;

function post(url: string, body: string): Promise<Omit<Probe, 'sentAt' | 'doneAt'>> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let code: string | undefined;
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: unknown } };
          if (typeof parsed.error?.code === 'string') code = parsed.error.code;
        } catch {
          // not JSON: status alone
        }
        resolve({ status: res.statusCode ?? 0, ...(code ? { code } : {}) });
      });
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

/** Starts probing `POST {baseUrl}/get-online-features` with `body` until stop(). */
export function startProber(baseUrl: string, body: unknown): Prober {
  const probes: Probe[] = [];
  const text = JSON.stringify(body);
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = performance.now();
      const answer = await post(`${baseUrl}/get-online-features`, text);
      probes.push({ sentAt, doneAt: performance.now(), ...answer });
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  })();
  return {
    probes,
    async waitFor(status, since, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = probes.find((p) => p.sentAt >= since && p.status === status);
        if (found) return found;
        if (performance.now() > deadline) throw new Error(`no ${status} answer to a request sent after the mark within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

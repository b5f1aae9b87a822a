/**
 * An open-loop, fixed-rate load generator. autocannon's `overallRate` lets each connection fire its whole quota at
 * the start of every second, so its "2k req/s" is a burst of 2,000 requests followed by silence, and its latencies
 * are whole milliseconds. Here request i is due at start + i / rate and its latency is counted from that due time
 * (so a stalled server is charged for the requests it delayed: no coordinated omission), to the microsecond.
 */
import http from 'node:http';

export interface FixedRateResult {
  sent: number;
  ok: number;
  errors: number;
  /** Requests answered per second over the run. */
  achievedRate: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** p50/p99 counted from when the request was actually written, leaving out the generator's own timer lateness. */
  sentP50: number;
  sentP99: number;
}

export async function fixedRate(options: {
  url: string;
  rate: number;
  durationSeconds: number;
  bodies: readonly string[];
  maxSockets?: number;
}): Promise<FixedRateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(options.rate * options.durationSeconds);
  const latencies = new Float64Array(total);
  const fromSend = new Float64Array(total);
  const target = new URL(options.url);
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let done = 0;
  const start = performance.now();

  const fire = (i: number, due: number): void => {
    const sentAt = performance.now();
    const body = options.bodies[i % options.bodies.length] as string;
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies[i] = performance.now() - due;
          fromSend[i] = performance.now() - sentAt;
          if (res.statusCode === 200) ok++;
          else errors++;
          done++;
        });
      },
    );
    req.on('error', () => {
      latencies[i] = performance.now() - due;
      errors++;
      done++;
    });
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // Every request due by now goes out now, each timed from its own due time.
      while (sent < total && start + (sent * 1000) / options.rate <= now) {
        fire(sent, start + (sent * 1000) / options.rate);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (done < sent) await new Promise((resolve) => setTimeout(resolve, 5));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();

  const sorted = latencies.slice(0, sent).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const sortedSend = fromSend.slice(0, sent).sort();
  const atSend = (q: number): number => sortedSend[Math.min(sortedSend.length - 1, Math.floor(q * sortedSend.length))] ?? 0;
  return {
    sent, ok, errors, achievedRate: ok / elapsed, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted.at(-1) ?? 0,
    sentP50: atSend(0.5), sentP99: atSend(0.99),
  };
}

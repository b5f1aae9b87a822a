/**
 * The client processes of bench/serve/abuse.ts, each its own process (so its CPU is not the server's nor the
 * measuring client's): `measure` (the well-behaved client: a fixed rate of small reads, latency from each request's
 * due time) and the abusers `big` (max-size requests in a loop), `stall` (uploads that stop sending) and `flood`
 * (many concurrent requests, closed loop). Each prints one JSON line with its figures on stdout when done.
 */
import http from 'node:http';
import net from 'node:net';
import { fixedRate } from './fixed-rate.js';
import { FEATURES } from './features.js';

export interface ClientArgs {
  role: string;
  url: string;
  entities: number;
  rate: number;
  duration: number;
  count: number;
  featureCount: number;
  concurrency: number;
}

function readBody(entitiesPerRequest: number, featureCount: number, seed: number, of: number): string {
  return JSON.stringify({
    features: FEATURES.slice(0, featureCount).map(([name]) => `user_stats:${name}`),
    entities: { user_id: Array.from({ length: entitiesPerRequest }, (_, i) => (seed * 7919 + i * 104_729) % of) },
  });
}

/** Requests in a closed loop on `concurrency` keep-alive connections until `durationSeconds` pass. */
/** The abuser's own peer address (any 127.x.y.z is loopback on Linux), so the server sees two clients, as in production. */
const ABUSER_ADDRESS = '127.0.0.2';

async function closedLoop(url: URL, body: string, concurrency: number, durationSeconds: number): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, localAddress: ABUSER_ADDRESS });
  const statuses: Record<string, number> = {};
  const end = performance.now() + durationSeconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: '/get-online-features', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        statuses.error = (statuses.error ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  return statuses;
}

/**
 * `count` connections each declare a body of 1,000,000 bytes (under the 1 MiB limit), send 990,000 of them and
 * stop. Reports how many the server closed (its FIN) and when, counted from the last byte sent.
 */
async function stall(url: URL, count: number, durationSeconds: number): Promise<Record<string, number>> {
  const chunk = Buffer.alloc(990_000, 0x20);
  const closedAfter: number[] = [];
  const answers: Record<string, number> = {};
  const sockets: net.Socket[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<void>((resolve) => {
        const socket = net.connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true, localAddress: ABUSER_ADDRESS });
        sockets.push(socket);
        let lastByte = 0;
        socket.on('connect', () => {
          socket.write('POST /get-online-features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
          socket.write(chunk, () => {
            lastByte = performance.now();
            resolve();
          });
        });
        socket.once('data', (d: Buffer) => {
          const status = /^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'))?.[1] ?? 'other';
          answers[status] = (answers[status] ?? 0) + 1;
        });
        socket.on('error', () => resolve());
        // The server's FIN (this side is half-open on purpose, as a stalling client's would be).
        socket.on('end', () => {
          if (lastByte > 0) closedAfter.push(performance.now() - lastByte);
          resolve();
        });
      }),
    ),
  );
  const deadline = performance.now() + durationSeconds * 1000;
  while (closedAfter.length < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const s of sockets) s.destroy();
  closedAfter.sort((a, b) => a - b);
  return {
    connections: count,
    ...Object.fromEntries(Object.entries(answers).map(([status, n]) => [`answered${status}`, n])),
    closedByServer: closedAfter.length,
    closeMedianMs: Math.round(closedAfter[Math.floor(closedAfter.length / 2)] ?? -1),
    closeMaxMs: Math.round(closedAfter.at(-1) ?? -1),
  };
}

export async function runClient(args: ClientArgs): Promise<unknown> {
  const url = new URL(args.url);
  switch (args.role) {
    case 'measure': {
      const bodies = Array.from({ length: 256 }, (_, n) => readBody(1, FEATURES.length, n, args.entities));
      const r = await fixedRate({ url: `${args.url}/get-online-features`, rate: args.rate, durationSeconds: args.duration, bodies });
      return { sent: r.sent, errors: r.errors, p50: r.p50, p99: r.p99, p999: r.p999, max: r.max };
    }
    case 'big':
      // Past 100k entities the keys are kept to 3 digits, so 200k of them fit in a body under 1 MiB (issue 10's
      // attack: 200k entities in a 690 KB body).
      return closedLoop(url, readBody(args.count, args.featureCount, 1, args.count > 100_000 ? 1000 : args.entities), args.concurrency, args.duration);
    case 'flood':
      return closedLoop(url, readBody(args.count, args.featureCount, 2, args.entities), args.concurrency, args.duration);
    case 'stall':
      return stall(url, args.count, args.duration);
    default:
      throw new Error(`unknown role ${args.role}`);
  }
}

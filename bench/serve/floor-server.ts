/**
 * The floor under bench:serve:h2load (--floor): a bare node:http server, optionally clustered like `serve --workers`,
 * that reads each body and answers a canned /get-online-features response of the same shape (10 features; 1 entity,
 * or 100 for a body over 1 KB), with no JSON parsing, no Redis and no features code. What it measures is what
 * Node's HTTP stack, the loopback and the machine's scheduling cost on their own: the part of the serving figures
 * Featureflow cannot take away.
 *
 * With FLOOR_REDIS=1 each request also makes one MGET of one missing key to the local Redis before answering: the
 * floor of a server that needs one Redis round trip per request, as `serve` does.
 *
 *   node --import tsx bench/serve/floor-server.ts PORT WORKERS
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { FEATURES } from './features.js';

const port = Number(process.argv[2] ?? 6599);
const workers = Number(process.argv[3] ?? 1);

function canned(entities: number): string {
  const names = ['user_id', ...FEATURES.map(([name]) => name)];
  const results = names.map((name, i) => ({
    values: Array.from({ length: entities }, (_, e) => (i === 0 ? e : e * 0.5 + i)),
    statuses: Array.from({ length: entities }, () => 'PRESENT'),
    event_timestamps: Array.from({ length: entities }, () => '2026-12-01T00:00:00Z'),
  }));
  return JSON.stringify({ metadata: { feature_names: names }, results });
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const redis = process.env['FLOOR_REDIS'] === '1' ? new Redis(redisUrl()) : undefined;
  const small = Buffer.from(canned(1));
  const large = Buffer.from(canned(100));
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.url === '/health' || req.url === '/ready') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      const answer = bytes > 1024 ? large : small;
      const send = () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
      if (redis) void redis.mget('ffbench:floor:missing').then(send, () => res.writeHead(503).end());
      else send();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// Fault suite, criterion 7 (auth half): 10,000 fuzzed Authorization headers against a running server with auth on.
// Pass: 0 bypasses (a 2xx on a protected route without exactly one header carrying the exact valid token of a
// sufficient scope), 0 5xx, an answer to every request, and every exact valid token of sufficient scope let in.
// Requests go over raw sockets so any bytes (invalid characters, CR/LF, repeated headers) reach the parser.
import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuthServer, TOKEN_SCOPES, type AuthServer, type TokenName } from '../helpers/auth-server.js';

const RUNS = 10_000;

let env: AuthServer;
let port: number;

beforeAll(async () => {
  env = await startAuthServer();
  port = Number(new URL(env.url).port);
});

afterAll(async () => {
  await env?.close();
});

interface Target {
  method: string;
  path: string;
  body: string;
  /** Tokens whose scopes let this request through. */
  allowed: ReadonlySet<TokenName>;
}

const TARGETS: readonly Target[] = [
  { method: 'GET', path: '/registry', body: '', allowed: new Set(['admin']) },
  { method: 'GET', path: '/metrics', body: '', allowed: new Set(['admin']) },
  {
    method: 'POST',
    path: '/get-online-features',
    body: JSON.stringify({ features: ['user_stats:clicks'], entities: { user_id: [1] } }),
    // scoring: its on-demand view computes from user_stats, so the service grants it.
    allowed: new Set(['admin', 'fraud', 'stats', 'allViews', 'scoring']),
  },
  {
    method: 'POST',
    path: '/get-online-features',
    body: JSON.stringify({ features: ['user_profile:country'], entities: { user_id: [1] } }),
    allowed: new Set(['admin', 'allViews']),
  },
  {
    method: 'POST',
    path: '/write-to-online-store',
    body: JSON.stringify({ feature_view_name: 'live_stats', df: { user_id: [1], score: [0.5], event_timestamp: ['2026-01-01T00:00:00'] } }),
    allowed: new Set(['admin', 'writer', 'writeAll']),
  },
];

const NAMES = Object.keys(TOKEN_SCOPES) as TokenName[];
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=';

/** A header's value as bytes: latin1 for strings built from single bytes, utf8 for unicode. */
type Value = { text: string; encoding: 'latin1' | 'utf8' };

interface Case {
  kind: string;
  target: number;
  /** Authorization header values, in order (0, 1 or 2 of them). */
  values: Value[];
  /** Header name as sent (case varies). */
  name: string;
}

const l1 = (text: string): Value => ({ text, encoding: 'latin1' });
const token = fc.constantFrom(...NAMES);
const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR');

function caseArb(): fc.Arbitrary<Omit<Case, 'target' | 'name'>> {
  const withToken = <T>(arb: fc.Arbitrary<T>, build: (t: string, x: T) => string, kind: string): fc.Arbitrary<Omit<Case, 'target' | 'name'>> =>
    fc.tuple(token, arb).map(([name, x]) => ({ kind, values: [l1(build(env.tokens[name], x))] }));
  return fc.oneof(
    // The exact token (positives: must be let in when the scope suffices) and tokens of another scope.
    fc.tuple(scheme, token).map(([s, name]) => ({ kind: 'valid or other scope', values: [l1(`${s} ${env.tokens[name]}`)] })),
    fc.uint8Array({ minLength: 0, maxLength: 200 }).map((bytes) => ({ kind: 'random bytes', values: [l1(Buffer.from(bytes).toString('latin1'))] })),
    withToken(
      fc.constantFrom('Bearer', 'Bearer:', 'Bearer=', 'Bearer\t', 'Basic ', 'Token ', 'BearerX ', 'Bearer\u00a0', 'Bear ', 'Bearer ,', 'Bearer "', 'OAuth ', 'bearer:', ''),
      (t, prefix) => `${prefix}${t}`,
      'near-miss prefix',
    ),
    withToken(
      fc.tuple(fc.nat(), fc.constantFrom(...TOKEN_CHARS)),
      (t, [i, c]) => {
        const at = i % t.length;
        const changed = t[at] === c ? (c === 'A' ? 'B' : 'A') : c;
        return `Bearer ${t.slice(0, at)}${changed}${t.slice(at + 1)}`;
      },
      'one char changed',
    ),
    withToken(fc.nat(), (t, n) => `Bearer ${t.slice(0, n % t.length)}`, 'truncated'),
    withToken(fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...TOKEN_CHARS) }), (t, tail) => `Bearer ${t}${tail}`, 'extended'),
    withToken(fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...TOKEN_CHARS) }), (t, head) => `Bearer ${head}${t}`, 'prefixed'),
    withToken(
      fc.array(fc.boolean(), { minLength: 46, maxLength: 46 }),
      (t, flips) => `Bearer ${[...t].map((c, i) => (flips[i] ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c)).join('')}`,
      'different case',
    ),
    fc.tuple(token, fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }), fc.nat()).map(([name, u, at]) => {
      const t = env.tokens[name];
      const i = at % (t.length + 1);
      return { kind: 'unicode', values: [{ text: `Bearer ${t.slice(0, i)}${u}${t.slice(i)}`, encoding: 'utf8' as const }] };
    }),
    withToken(fc.integer({ min: 300, max: 20_000 }), (t, n) => `Bearer ${t}${'A'.repeat(n)}`, 'very long'),
    withToken(fc.constantFrom('  ', '   ', ' \t', '\t ', '    '), (t, gap) => `Bearer${gap}${t}`, 'multiple spaces'),
    fc.tuple(scheme, token, token, fc.boolean()).map(([s, a, b, garbleFirst]) => ({
      kind: 'multiple headers',
      values: garbleFirst ? [l1('Bearer x'), l1(`${s} ${env.tokens[b]}`)] : [l1(`${s} ${env.tokens[a]}`), l1(`${s} ${env.tokens[b]}`)],
    })),
    fc.tuple(scheme, token, token).map(([s, a, b]) => ({ kind: 'comma-joined', values: [l1(`${s} ${env.tokens[a]}, ${s} ${env.tokens[b]}`)] })),
  );
}

/** What the server may let through: exactly one header, `bearer <token>` (after HTTP's trimming of outer spaces/tabs). */
function legitimate(c: Case): TokenName | undefined {
  if (c.values.length !== 1) return undefined;
  const { text } = c.values[0] as Value;
  if (/[\r\n]/.test(text)) return undefined;
  const m = /^bearer (.*)$/i.exec(text.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (!m) return undefined;
  return NAMES.find((n) => env.tokens[n] === m[1]);
}

function exchange(c: Case): Promise<number> {
  const t = TARGETS[c.target] as Target;
  const head = `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  for (const v of c.values) parts.push(Buffer.from(`${c.name}: `, 'latin1'), Buffer.from(v.text, v.encoding), Buffer.from('\r\n', 'latin1'));
  const body = Buffer.from(t.body, 'utf8');
  parts.push(Buffer.from(`${t.body ? 'Content-Type: application/json\r\n' : ''}Content-Length: ${body.length}\r\n\r\n`, 'latin1'), body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.concat(parts)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    // A reset after the answer was sent (the server closing early on a bad request) still counts the answer.
    const done = (): void => {
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m ? Number(m[1]) : 0);
    };
    socket.on('close', done);
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
}

it(`lets no fuzzed Authorization header through (${RUNS} headers)`, async () => {
  const tally = { total: 0, bypasses: 0, fiveXx: 0, noAnswer: 0, wrongRefusals: 0, legit: 0 };
  const byKind = new Map<string, number>();
  const byStatus = new Map<number, number>();
  const problems: string[] = [];
  const started = performance.now();
  const property = fc.asyncProperty(
    caseArb(),
    fc.nat({ max: TARGETS.length - 1 }),
    fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION'),
    async (partial, target, name) => {
      const c: Case = { ...partial, target, name };
      const status = await exchange(c);
      const who = legitimate(c);
      const sufficient = who !== undefined && (TARGETS[target] as Target).allowed.has(who);
      tally.total++;
      byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (sufficient) tally.legit++;
      const problem =
        status >= 200 && status < 300 && !sufficient ? 'bypass' : status >= 500 ? '5xx' : status === 0 ? 'no answer' : sufficient && status !== 200 ? 'wrong refusal' : undefined;
      if (problem === 'bypass') tally.bypasses++;
      if (problem === '5xx') tally.fiveXx++;
      if (problem === 'no answer') tally.noAnswer++;
      if (problem === 'wrong refusal') tally.wrongRefusals++;
      if (problem && problems.length < 5) problems.push(`${problem}: ${c.kind} ${JSON.stringify(c.values.map((v) => v.text.slice(0, 80)))} -> ${status} on ${TARGETS[target]?.path}`);
      return problem === undefined;
    },
  );
  // The first failing case stops the run (no shrinking: the case is in `problems` as it was sent).
  await fc.check(property, { numRuns: RUNS, endOnFailure: true, ignoreEqualValues: false }).catch(() => undefined);
  const seconds = (performance.now() - started) / 1000;
  console.log(`FAULT-FIGURE: auth fuzz ${tally.total} headers, ${tally.bypasses} bypasses, ${tally.fiveXx} 5xx, ${tally.noAnswer} unanswered (${seconds.toFixed(1)} s)`);
  console.log(`FAULT-FIGURE: auth fuzz ${tally.legit} exact valid tokens of sufficient scope, ${tally.wrongRefusals} of them refused`);
  console.log(`auth fuzz by kind: ${JSON.stringify(Object.fromEntries(byKind))}; by status: ${JSON.stringify(Object.fromEntries(byStatus))}`);
  expect(problems).toEqual([]);
  expect(tally.total).toBe(RUNS);
  expect(tally.legit).toBeGreaterThan(0);
});

/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), and the time split by where the code lives (our
 * src/, node:http and net internals, ioredis, zod, GC, idle), for the serving profile evidence.
 *
 *   node --import tsx bench/serve/profile-summary.ts FILE.cpuprofile [--top 25] [--requests N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, requests: { type: 'string' } },
  allowPositionals: true,
});
/** With --requests N (requests served while profiling), times are also shown per request. */
const REQUESTS = values.requests === undefined ? undefined : Number(values.requests);
const profile = JSON.parse(readFileSync(positionals[0] as string, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = profile.endTime - profile.startTime;

/** The phase of serving a request a function belongs to (node:http parsing, our validation, the read, encoding...). */
function area(n: Node): string {
  const { functionName } = n.callFrame;
  // The compiled server (dist/) counts as its sources; only node:'s own modules are "node streams".
  const url = n.callFrame.url.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts');
  if (functionName === '(idle)') return 'idle (waiting for the network)';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.includes('/src/api/body.ts') || url.includes('/src/api/exact-json.ts') || url.includes('/src/api/online-request.ts') || url.includes('zod')) {
    return 'request: body, JSON parse, validation (zod)';
  }
  if (url.includes('/src/api/online-plan.ts') || url.includes('/src/online/') || url.includes('/src/api/store-call.ts') || url.includes('ioredis') || url.includes('redis-parser')) {
    return 'read: plan, keys, Redis client, decode';
  }
  if (url.includes('/src/api/online-response.ts') || url.includes('/src/api/float-json.ts')) return 'encode the response';
  if (url.includes('/src/')) return 'server: routing, admission, metrics';
  if (url.startsWith('node:internal/modules') || url.includes('tsx') || url.includes('cjs-module-lexer') || url.includes('source_map')) return 'start-up (module loading)';
  if (url.startsWith('node:_http') || url.startsWith('node:http')) return 'node:http (parse, headers)';
  if (url.startsWith('node:net') || (url.startsWith('node:') && url.includes('stream')) || url.startsWith('node:events')) return 'node net/streams/events';
  if (url.startsWith('node:')) return 'node other (timers, promises)';
  if (url === '' && /^(write|writev|writeUtf8String|writeBuffer|writeLatin1String|readv?|close|shutdown)$/.test(functionName)) {
    return 'kernel: socket syscalls';
  }
  if (url === '') return `native ${functionName}`;
  return 'other js';
}

const fn = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, us] of selfMicros) {
  const n = byId.get(id) as Node;
  const where = n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  areas.set(area(n), (areas.get(area(n)) ?? 0) + us);
}
const pct = (us: number): string =>
  `${((100 * us) / total).toFixed(1).padStart(5)}%${REQUESTS ? ` ${(us / REQUESTS).toFixed(1).padStart(7)} us/req` : ''}`;
process.stdout.on('error', () => process.exit(0)); // piped into head
console.log(`profile ${(total / 1e6).toFixed(2)} s, ${profile.samples.length} samples\n\nby area:`);
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${a}`);
console.log(`\ntop ${values.top} functions by self time:`);
for (const [k, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);

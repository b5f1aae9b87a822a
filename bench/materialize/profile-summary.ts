/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), the evidence issue 13 asks for: where the main
 * thread's time goes. Idle time is Node waiting (on DuckDB's threads or Redis), not work of this process.
 *
 *   node --import tsx bench/materialize/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)?.callFrame;
  const where = frame?.url ? `${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  const name = `${frame?.functionName || '(anonymous)'} ${where}`.trim();
  self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = profile.endTime - profile.startTime;
console.log(`profile ${file}: ${(total / 1e6).toFixed(2)} s wall`);
for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) {
  console.log(`${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}`);
}

/**
 * Where a fixed-rate run's time goes, per request, for the serving tail evidence: the CPU time the server and Redis
 * spend (/proc/<pid>/schedstat, all threads), the time each of them waited for a core while runnable (the same
 * file's run-queue delay: the kernel's share of the tail when other processes hold the cores), and the server's own
 * view of a request (the /metrics latency histogram: request start to response end, parse, Redis round trip and
 * encode included, the kernel's socket work and queueing before the request event not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { LATENCY_BUCKETS } from '../../src/api/metrics-render.js';

export interface SchedTotals {
  /** Nanoseconds on a CPU, and waiting on a run queue while runnable, summed over the process's threads. */
  cpuNs: number;
  waitNs: number;
}

/** The process and its descendants (`serve --workers` forks its workers). */
export function schedTotals(pid: number): SchedTotals {
  let cpuNs = 0;
  let waitNs = 0;
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { cpuNs, waitNs };
  }
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        const sub = schedTotals(Number(child));
        cpuNs += sub.cpuNs;
        waitNs += sub.waitNs;
      }
    } catch {
      // the thread ended meanwhile
    }
    try {
      const [cpu, wait] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').trim().split(' ').map(Number);
      cpuNs += cpu ?? 0;
      waitNs += wait ?? 0;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { cpuNs, waitNs };
}

/** Cumulative counts of the /get-online-features latency histogram, by upper bound in seconds. */
export async function serverHistogram(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<number, number>();
  const pattern = /^featureflow_http_request_duration_seconds_bucket\{route="\/get-online-features",le="([^"]+)"\} (\d+)$/gm;
  for (const match of text.matchAll(pattern)) out.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  return out;
}

export interface TailSplit {
  serverCpuUs: number;
  serverWaitUs: number;
  redisCpuUs: number;
  redisWaitUs: number;
  /** Share of requests the server itself took longer than 0.5 ms and 1 ms over (from its histogram). */
  serverOverHalfMs: number;
  serverOver1Ms: number;
}

export class TailSplitter {
  private server: SchedTotals = { cpuNs: 0, waitNs: 0 };
  private redis: SchedTotals = { cpuNs: 0, waitNs: 0 };
  private histogram = new Map<number, number>();

  constructor(
    private readonly serverPid: number,
    private readonly redisPid: number | undefined,
    private readonly url: string,
  ) {}

  async start(): Promise<void> {
    this.server = schedTotals(this.serverPid);
    this.redis = this.redisPid === undefined ? { cpuNs: 0, waitNs: 0 } : schedTotals(this.redisPid);
    this.histogram = await serverHistogram(this.url);
  }

  /** Per request over the run since start() (the requests the server counted, the generator's warm-up included). */
  async finish(): Promise<TailSplit> {
    const server = schedTotals(this.serverPid);
    const redis = this.redisPid === undefined ? { cpuNs: 0, waitNs: 0 } : schedTotals(this.redisPid);
    const histogram = await serverHistogram(this.url);
    const delta = (le: number): number => (histogram.get(le) ?? 0) - (this.histogram.get(le) ?? 0);
    const all = Math.max(1, delta(Infinity));
    const per = (ns: number): number => ns / 1000 / all;
    const half = LATENCY_BUCKETS.indexOf(0.0005);
    const one = LATENCY_BUCKETS.indexOf(0.001);
    return {
      serverCpuUs: per(server.cpuNs - this.server.cpuNs),
      serverWaitUs: per(server.waitNs - this.server.waitNs),
      redisCpuUs: per(redis.cpuNs - this.redis.cpuNs),
      redisWaitUs: per(redis.waitNs - this.redis.waitNs),
      serverOverHalfMs: 1 - delta(LATENCY_BUCKETS[half] as number) / all,
      serverOver1Ms: 1 - delta(LATENCY_BUCKETS[one] as number) / all,
    };
  }
}

export function describeSplit(s: TailSplit): string {
  return (
    `per request: server CPU ${s.serverCpuUs.toFixed(0)} us, server waited for a core ${s.serverWaitUs.toFixed(0)} us; ` +
    `Redis CPU ${s.redisCpuUs.toFixed(0)} us, waited ${s.redisWaitUs.toFixed(0)} us; ` +
    `server-side > 0.5 ms ${(100 * s.serverOverHalfMs).toFixed(2)}%, > 1 ms ${(100 * s.serverOver1Ms).toFixed(2)}%`
  );
}

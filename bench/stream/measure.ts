/**
 * What the stream benches print beside their figures: Redis' own CPU and EVALSHA time (INFO cpu / commandstats,
 * differences over a run; the Redis is shared, so other clients' work shows too), this process's CPU and peak RSS
 * (sampled), the load average, and medians.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { Redis } from 'ioredis';

export interface RedisCounters {
  cpuSeconds: number;
  evalshaCalls: number;
  evalshaMicros: number;
  hgetallCalls: number;
  hgetallMicros: number;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

function commandStat(info: string, command: string): { calls: number; usec: number } {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=(\\d+)`, 'm').exec(info);
  return match ? { calls: Number(match[1]), usec: Number(match[2]) } : { calls: 0, usec: 0 };
}

export async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const cpu = await redis.info('cpu');
  const stats = await redis.info('commandstats');
  const evalsha = commandStat(stats, 'evalsha');
  const hgetall = commandStat(stats, 'hgetall');
  return {
    cpuSeconds: field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys'),
    evalshaCalls: evalsha.calls,
    evalshaMicros: evalsha.usec,
    hgetallCalls: hgetall.calls,
    hgetallMicros: hgetall.usec,
  };
}

export function diffCounters(a: RedisCounters, b: RedisCounters): RedisCounters {
  return {
    cpuSeconds: b.cpuSeconds - a.cpuSeconds,
    evalshaCalls: b.evalshaCalls - a.evalshaCalls,
    evalshaMicros: b.evalshaMicros - a.evalshaMicros,
    hgetallCalls: b.hgetallCalls - a.hgetallCalls,
    hgetallMicros: b.hgetallMicros - a.hgetallMicros,
  };
}

/** Samples this process's RSS every 50 ms until stopped; returns the peak in MB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024;
    },
  };
}

export const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name}: expected a number, got ${process.argv[i + 1]}`);
  return value;
}

/**
 * CPU seconds (user + system) used so far by the local processes named `comm` (e.g. nats-server), from /proc; undefined
 * where there is no /proc or no such process (a remote server). Other clients' work counts too.
 */
export function localProcessCpu(comm: string): number | undefined {
  let total: number | undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm) continue;
      // Fields after the parenthesised name: utime and stime are the 12th and 13th, in clock ticks (100 per second).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total = (total ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

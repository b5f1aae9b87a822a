#!/usr/bin/env node
// The image's HEALTHCHECK: `node deploy/healthcheck.mjs [serve|worker]`. One image runs every command, so without
// an argument the check looks up which featureflow command this container runs (in /proc: PID 1 first, then any
// process, since PID 1 may be an init process) and probes what that command depends on:
//   serve   GET /health on FEATUREFLOW_PORT (default 6566): liveness only, so a Redis outage never gets a healthy
//           server restarted (/ready is the readiness probe)
//   worker  a TCP connection to TEMPORAL_ADDRESS (default 127.0.0.1:7233): a worker that cannot reach its
//           frontend polls nothing
//   other   healthy while running (one-shot commands such as apply)
// Plain JavaScript with no imports of ours: it must stay cheap, as Docker runs it every interval.
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const TIMEOUT_MS = 4000;

function featureflowArgs() {
  const pids = ['1', ...readdirSync('/proc').filter((name) => /^\d+$/.test(name) && name !== '1')];
  for (const pid of pids) {
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // the process ended while we looked
    }
    const at = argv.findIndex((arg) => arg.endsWith('featureflow.js') || arg.endsWith('featureflow-dist.js') || arg.endsWith('/featureflow'));
    if (at >= 0) return argv.slice(at + 1).filter(Boolean);
  }
  return [];
}

function flag(args, long, short) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === long || args[i] === short) return args[i + 1];
    if (args[i].startsWith(`${long}=`)) return args[i].slice(long.length + 1);
  }
  return undefined;
}

async function checkServe(args) {
  const port = flag(args, '--port', '-p') ?? (process.env.FEATUREFLOW_PORT || '6566');
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET /health on port ${port} answered ${response.status}`);
}

function checkWorker(args) {
  const address = flag(args, '--address') ?? (process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233');
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`Temporal frontend ${address} did not answer within ${TIMEOUT_MS} ms`));
    });
    socket.once('error', (err) => reject(new Error(`Temporal frontend ${address}: ${err.message}`)));
  });
}

const named = process.argv[2];
const args = named ? [named] : featureflowArgs();
try {
  if (args[0] === 'serve') await checkServe(args);
  else if (args[0] === 'worker') await checkWorker(args);
  process.exit(0);
} catch (err) {
  console.error(`featureflow healthcheck (${args[0] ?? 'no featureflow process'}): ${err.message}`);
  process.exit(1);
}

/**
 * An S3 server of a test's own: `rclone serve s3` over a fresh temp folder, on a free port, with one bucket (a
 * sub-folder of that folder) and a random key pair, so tests and benches run against an S3 offline store without a
 * cloud account. It signs and checks requests like S3 but ignores conditional PUT headers (If-None-Match), so it
 * cannot stand in for S3's compare-and-swap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireRclone } from '../../src/devtools/rclone-binary.js';
import { freePort } from './free-port.js';

export interface S3Server {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  bucket: string;
  /** The folder rclone serves; the bucket's objects are files under `root/bucket/`. */
  root: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `s3://bucket/prefix` (no trailing slash) for a prefix of the bucket. */
  url(prefix: string): string;
  /** The AWS_* variables a Featureflow process needs to reach this server (endpoint and credentials). */
  env(): Record<string, string>;
  /** Puts env() into this process's environment (for engines opened in-process); returns what undoes it. */
  useEnv(): () => void;
  /** The repo's `offlineStore.s3` block for this server. */
  repoS3(): { endpoint: string; region: string; urlStyle: 'path' };
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Any HTTP answer means the server listens: an unsigned request to `/` gets a 4xx, which is fine. Polled rather
 * than read from rclone's log, whose wording is not an interface.
 */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

export interface S3ServerOptions {
  bucket?: string;
  /** Objects the bucket starts with: key -> local file copied in before the server starts. */
  seed?: Record<string, string>;
  timeoutMs?: number;
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const rclone = requireRclone();
  const bucket = options.bucket ?? 'featureflow-test';
  const root = mkdtempSync(path.join(os.tmpdir(), 'ff-s3-'));
  mkdirSync(path.join(root, bucket));
  // Copied before the start rather than PUT afterwards: no S3 client needed, and rclone lists them like any object.
  for (const [key, file] of Object.entries(options.seed ?? {})) {
    const target = path.join(root, bucket, key);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  // rclone turns away very short key ids, so both are long random hex.
  const accessKeyId = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // The key pair goes through the environment, not argv (which any user can read in `ps`); rclone reads a list
  // flag from the environment as CSV, hence the quotes around the pair.
  const child = spawn(rclone, ['serve', 's3', '--addr', `127.0.0.1:${port}`, '--config', '/dev/null', root], {
    env: { ...process.env, RCLONE_AUTH_KEY: `"${accessKeyId},${secretAccessKey}"` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (!exited(child)) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (exited(child) || Date.now() > deadline) {
      await stop();
      throw new Error(`rclone serve s3 did not start on ${endpoint} (${exited(child) ? 'it exited' : 'no answer'}): ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const variables: Record<string, string> = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_S3: endpoint,
  };
  return {
    endpoint,
    bucket,
    root,
    accessKeyId,
    secretAccessKey,
    url: (prefix) => `s3://${bucket}/${prefix.replace(/^\/+|\/+$/g, '')}`,
    useEnv: () => {
      const saved = Object.fromEntries(Object.keys(variables).map((k) => [k, process.env[k]]));
      Object.assign(process.env, variables);
      return () => {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      };
    },
    env: () => ({ ...variables }),
    repoS3: () => ({ endpoint, region: REGION, urlStyle: 'path' }),
    stop,
  };
}

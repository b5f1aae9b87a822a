import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findRclone, rcloneMissing } from '../../../src/devtools/rclone-binary.js';

let dir: string;
const saved = { RCLONE_PATH: process.env.RCLONE_PATH, PATH: process.env.PATH };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-rclone-'));
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

it('uses the executable RCLONE_PATH names before any other', () => {
  const file = path.join(dir, 'my-rclone');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  process.env.RCLONE_PATH = file;
  expect(findRclone()).toBe(file);
});

it('reports an RCLONE_PATH that is not an executable instead of looking elsewhere', () => {
  process.env.RCLONE_PATH = path.join(dir, 'missing');
  expect(() => findRclone()).toThrow(/RCLONE_PATH=.*missing is not an executable file/);
});

it('finds rclone on PATH', () => {
  delete process.env.RCLONE_PATH;
  const file = path.join(dir, 'rclone');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  process.env.PATH = dir;
  // The project's .tools/venv comes first when setup installed rclone there.
  expect(findRclone()).toMatch(new RegExp(`^${dir}/rclone$|/\\.tools/venv/bin/rclone$`));
});

it('tells where it looked and how to install rclone when it is missing', () => {
  expect(rcloneMissing().message).toMatch(/RCLONE_PATH, .*\.tools\/venv\/bin, PATH\): run `node scripts\/setup\.mjs`/);
});

/**
 * The web catalog's static files. Read once, when the server module loads: a missing file is a packaging bug that
 * should stop the server from starting, not a 500 on first view. Only these names are ever served, so no request
 * path reaches the file system.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface UiAsset {
  body: string;
  contentType: string;
  /** A strong ETag over the bytes, so browsers revalidate cheaply (304) instead of downloading again. */
  etag: string;
}

const CONTENT_TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'lookup.js': 'text/javascript; charset=utf-8',
  'model.js': 'text/javascript; charset=utf-8',
} as const;

export type UiAssetName = keyof typeof CONTENT_TYPES;

function load(name: UiAssetName): UiAsset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType: CONTENT_TYPES[name], etag };
}

export const UI_ASSETS: ReadonlyMap<string, UiAsset> = new Map(
  (Object.keys(CONTENT_TYPES) as UiAssetName[]).map((name) => [name, load(name)]),
);


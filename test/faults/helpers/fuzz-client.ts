/**
 * Sending fuzzed requests over keep-alive HTTP and judging each reply: no 5xx, and a reason for every answer,
 * i.e. JSON that is either `{error: {code, message}}` with both non-empty or the route's success shape. The two
 * routes that answer other media on success (/metrics: Prometheus text, /ui: the catalog's files) are judged by
 * their content type instead; their errors are JSON like everyone else's.
 */
import http from 'node:http';
import type { FuzzRequest } from './fuzz-requests.js';

export interface Reply {
  status: number;
  contentType: string;
  text: string;
}

/** The request did not get an answer: the connection failed, reset, or timed out. */
export interface NoReply {
  failed: string;
}

const REPLY_TIMEOUT_MS = 60_000;

export function send(base: URL, agent: http.Agent, request: FuzzRequest): Promise<Reply | NoReply> {
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.target,
        agent,
        headers: {
          ...(request.contentType ? { 'Content-Type': request.contentType } : {}),
          ...(request.body && request.chunkedAt === undefined ? { 'Content-Length': request.body.length } : {}),
        },
        timeout: REPLY_TIMEOUT_MS,
      });
    } catch (err) {
      // Only a target Node's client refuses to send; the generators avoid those.
      resolve({ failed: `client refused the request: ${(err as Error).message}` });
      return;
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ failed: `reading the reply failed: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no reply within ${REPLY_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ failed: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }));
    if (request.body && request.chunkedAt !== undefined) {
      // Without Content-Length Node sends the body chunked: the server learns its size only as it arrives.
      req.write(request.body.subarray(0, request.chunkedAt));
      req.end(request.body.subarray(request.chunkedAt));
    } else {
      req.end(request.body);
    }
  });
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** What a 2xx of each route holds, at least. */
function successProblem(path: string, json: Json): string | undefined {
  switch (path) {
    case '/get-online-features': {
      const names = isObject(json.metadata) ? json.metadata.feature_names : undefined;
      const results = json.results;
      if (!Array.isArray(names) || !Array.isArray(results) || names.length !== results.length) return 'no metadata.feature_names matching results';
      const bad = results.find((r) => !isObject(r) || !Array.isArray(r.values) || !Array.isArray(r.statuses) || r.values.length !== r.statuses.length);
      return bad === undefined ? undefined : 'a result without values and statuses of one length';
    }
    case '/push':
      return nonEmpty(json.push_source_name) && typeof json.rows === 'number' && isObject(json.views) ? undefined : 'not a push summary';
    case '/write-to-online-store':
      return nonEmpty(json.feature_view_name) && typeof json.rows === 'number' && typeof json.written === 'number' ? undefined : 'not a write summary';
    case '/materialize':
    case '/materialize-incremental':
      return nonEmpty(json.status) && nonEmpty(json.workflow_id) && Array.isArray(json.feature_views) ? undefined : 'not a workflow answer';
    default:
      return undefined;
  }
}

/** Why a reply breaks the criteria, or undefined when it meets them. */
export function replyProblem(request: FuzzRequest, reply: Reply): string | undefined {
  if (reply.status >= 500) return `status ${reply.status}`;
  const path = request.target.split('?', 1)[0] ?? '';
  const ok = reply.status < 400;
  if (request.method === 'HEAD' || reply.status === 304 || reply.status === 204) return undefined;
  if (ok && path === '/metrics') return reply.contentType.startsWith('text/plain') ? undefined : `/metrics answered ${reply.contentType}`;
  if (ok && (path === '/ui' || path.startsWith('/ui/'))) return reply.text.length > 0 ? undefined : 'an empty catalog file';
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    return `not JSON (${reply.contentType}): ${reply.text.slice(0, 80)}`;
  }
  if (!reply.contentType.startsWith('application/json')) return `JSON sent as ${reply.contentType}`;
  if (!isObject(json)) return 'JSON that is not an object';
  if (!ok) {
    const error = json.error;
    return isObject(error) && nonEmpty(error.code) && nonEmpty(error.message) ? undefined : 'an error without error.code and error.message';
  }
  return successProblem(path, json);
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

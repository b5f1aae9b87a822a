/**
 * Reading a request body under a size limit, parsing it as JSON, and answering an oversized body with 413 in a way
 * the client actually sees: a client still uploading only reads our answer if the socket stays open until it
 * stops sending, because closing a socket with unread data makes the kernel send RST, which discards our 413 on
 * the client's side before its HTTP parser gets to it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FeatureflowError } from '../registry/errors.js';
import { BadRequestError, errorBody, PayloadTooLargeError } from './errors.js';
import { parseExactJson } from './exact-json.js';

export interface DrainLimits {
  /** Bytes of an oversized body read and thrown away after the 413 before the socket is closed anyway. */
  drainMaxBytes: number;
  /** How long an oversized upload may keep going after the 413 before the socket is closed anyway. */
  drainTimeoutMs: number;
}

/** The client went away before sending its whole body: nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection before the request body was complete');
  }
}

/**
 * An upload cut off before its end: it stalled (no bytes for a while), took longer than the request timeout
 * (`body_timeout`, 408), or would take the bodies being received past their memory budget (`body_memory`, 503).
 * The server answers and closes the socket.
 */
export class UploadCutError extends FeatureflowError {
  constructor(
    code: 'REQUEST_TIMEOUT' | 'OVERLOADED',
    message: string,
    readonly reason: 'body_timeout' | 'body_memory',
  ) {
    super(code, message, { retryable: code === 'OVERLOADED' });
  }
}

/** Bytes of request bodies being received now, across every connection of a server, against a cap. */
export class BodyBudget {
  used = 0;

  constructor(readonly max: number) {}
}

export interface BodyLimits {
  maxBodyBytes: number;
  /** No bytes for this long: the upload is cut off. */
  bodyIdleTimeoutMs: number;
  /** The whole body must have arrived this long after reading started. */
  requestTimeoutMs: number;
}

/**
 * The body under every body limit. Node's own requestTimeout does fire for a stalled body, but its answer only
 * half-closes the socket, so a client that keeps its side open kept the socket and the bytes read so far (66 s
 * and more in issue 10's test), and it knows no idle timeout. These timers cut the upload off (UploadCutError, the
 * chunks dropped), and the server answers 408 and closes the socket.
 */
export function readRequestBody(req: IncomingMessage, ctx: { limits: BodyLimits; bodies: BodyBudget }): Promise<Buffer> {
  const { limits } = ctx;
  return readBody(req, limits.maxBodyBytes, { idleMs: limits.bodyIdleTimeoutMs, totalMs: limits.requestTimeoutMs, budget: ctx.bodies });
}

/**
 * The raw body, or a PayloadTooLargeError as soon as it is known to exceed `limit` (from Content-Length before a
 * byte is read, otherwise when the running total passes it). On that error the request is left flowing for
 * answerTooLarge to drain.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  timeouts?: { idleMs: number; totalMs: number; budget?: BodyBudget },
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    let total: NodeJS.Timeout | undefined;
    const budget = timeouts?.budget;
    let held = 0;
    const cut = (err: UploadCutError): void => {
      cleanup();
      chunks = [];
      reject(err);
    };
    const timedOut = (message: string): void => cut(new UploadCutError('REQUEST_TIMEOUT', message, 'body_timeout'));
    // The timers are set after this turn of the event loop: a small body has nearly always ended by then (its bytes
    // come with the request's), and two timers set and cleared on every request were a measurable part of a small
    // read. The total deadline still counts from now.
    let arming: NodeJS.Immediate | undefined;
    if (timeouts) {
      const started = performance.now();
      arming = setImmediate(() => {
        arming = undefined;
        idle = setTimeout(() => timedOut(`request body stalled: no bytes for ${timeouts.idleMs} ms`), timeouts.idleMs);
        const left = Math.max(0, timeouts.totalMs - (performance.now() - started));
        total = setTimeout(() => timedOut(`request body not complete after ${timeouts.totalMs} ms`), left);
      });
    }
    const cleanup = (): void => {
      if (budget) budget.used -= held;
      held = 0;
      if (arming) clearImmediate(arming);
      clearTimeout(idle);
      clearTimeout(total);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('aborted', onGone);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks = [];
        reject(new PayloadTooLargeError(limit));
        return;
      }
      if (budget) {
        if (budget.used + chunk.length > budget.max) {
          cut(new UploadCutError('OVERLOADED', `request bodies being received hold ${budget.max} bytes (the limit); retry shortly`, 'body_memory'));
          return;
        }
        budget.used += chunk.length;
        held += chunk.length;
      }
      chunks.push(chunk);
      idle?.refresh();
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onGone = (): void => {
      cleanup();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('aborted', onGone);
  });
}

/**
 * Parses a body as JSON; an empty or malformed body is a 400 with code INVALID_JSON. Integer literals beyond 2^53
 * come back as decimal strings with every digit (see exact-json.ts), never rounded; bare NaN, Infinity and
 * -Infinity (Python's json.dumps) as the strings "NaN", "Infinity", "-Infinity", which float values accept.
 */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new BadRequestError('request body is empty: send a JSON object', 'INVALID_JSON');
  try {
    return parseExactJson(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`request body is not valid JSON: ${(err as Error).message}`, 'INVALID_JSON');
  }
}

/**
 * Sends the 413 at once (Content-Length set, so the client has all of it without waiting for the end of the
 * stream), keeps reading and discarding the upload, and only ends the response, which closes the socket, when the
 * upload is over, or when it passed `drainMaxBytes` or `drainTimeoutMs`, so an endless upload cannot hold the
 * socket. Resolves when the response is finished or the socket is gone.
 */
export function answerTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  err: PayloadTooLargeError,
  limits: DrainLimits,
): Promise<void> {
  const body = errorBody(err.code, err.message);
  res.writeHead(413, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.write(body);
  return new Promise((resolve) => {
    let drained = 0;
    let done = false;
    const finish = (force: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onEnd);
      req.off('error', onEnd);
      res.end(() => resolve());
      // The client had the whole answer long ago; an upload still going after the cap is cut off.
      if (force) res.socket?.destroySoon();
      res.once('close', () => resolve());
    };
    const onData = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > limits.drainMaxBytes) finish(true);
    };
    const onEnd = (): void => finish(false);
    const timer = setTimeout(() => finish(true), limits.drainTimeoutMs);
    timer.unref();
    if (req.complete || req.destroyed) {
      finish(false);
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onEnd);
    req.on('error', onEnd);
    req.resume();
  });
}

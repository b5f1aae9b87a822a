/**
 * The cap on open connections. Node's own `server.maxConnections` closes a socket over the cap without a word, which
 * a client cannot tell from a network fault; here a connection over the cap is kept just long enough to answer its
 * first request with a short 503 OVERLOADED (Retry-After, Connection: close), and closed after a grace period if no
 * request comes. Node's maxConnections stays on as a backstop well above the cap, for floods faster than that.
 */
import type { ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import tls from 'node:tls';
import { errorBody } from './errors.js';
import type { Metrics } from './metrics.js';

/** How long a connection over the cap may take to send its request before it is closed without an answer. */
const REFUSED_GRACE_MS = 1000;
/** Connections over the cap answered politely at once; beyond these Node drops new ones outright. */
const BACKSTOP_MARGIN = 256;

export interface ConnectionCap {
  /** True when the request came on a connection over the cap: it was answered 503, the caller does nothing more. */
  refused(res: ServerResponse): boolean;
  /** Connections counted against the cap now. */
  readonly open: number;
}

export function capConnections(server: Server, maxConnections: number, metrics: Metrics): ConnectionCap {
  let open = 0;
  const over = new WeakSet<Socket>();
  server.maxConnections = maxConnections + BACKSTOP_MARGIN;
  server.on('drop', () => metrics.rejected('connections'));
  // Over TLS (https.Server is a tls.Server) requests arrive on the TLS socket, not the TCP one 'connection' gives.
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: Socket) => {
    if (open >= maxConnections) {
      over.add(socket);
      metrics.rejected('connections');
      const timer = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return {
    get open() {
      return open;
    },
    refused(res) {
      if (!over.has(res.socket as Socket)) return false;
      const body = errorBody('OVERLOADED', `the server has ${maxConnections} connections open (its limit); retry shortly`);
      res.writeHead(503, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Retry-After': '1',
        Connection: 'close',
      });
      const socket = res.socket;
    res.end(body, () => socket?.destroySoon());
      return true;
    },
  };
}

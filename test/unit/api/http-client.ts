// Small HTTP helpers for the API tests: one request with a keep-alive agent or a raw socket when the test needs to
// control exactly what goes over the wire.
import http from 'node:http';
import net from 'node:net';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at response bodies
  /** Local port of the socket used: equal across requests when keep-alive reused the connection. */
  localPort: number;
}

export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: { agent?: http.Agent; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent: options.agent ?? false,
        headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const localPort = res.socket.localPort ?? 0;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, localPort });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Sends raw bytes and resolves with everything the server sent back: once it closes, or, like a real client that
 * has its answer, once the text received matches `until` (the socket is then closed by us).
 */
export function rawExchange(port: number, bytes: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      text += c;
      if (until?.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

// A TLS front for a plaintext server: `temporal server start-dev` has no TLS options, so TLS tests put this in front
// of it. It asks for a client certificate signed by `ca` (mTLS) and forwards the decrypted bytes (HTTP/2, agreed by
// ALPN as gRPC needs) to `target` unchanged.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsProxy {
  address: string;
  /** Handshakes refused so far (no client certificate, or one from another CA). */
  refused: number;
  close(): Promise<void>;
}

export async function startTlsProxy(options: { target: string; cert: string; key: string; ca: string }): Promise<TlsProxy> {
  const [host, port] = splitAddress(options.target);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      ca: readFileSync(options.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      const upstream = net.connect({ host, port });
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const done = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.once('close', done).on('error', done);
      upstream.once('close', done).on('error', done);
    },
  );
  const proxy: TlsProxy = {
    address: '',
    refused: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('tlsClientError', () => void proxy.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

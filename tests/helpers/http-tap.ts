/**
 * A TCP pass-through that records the HTTP request lines going through it ("POST /api/v10/…"), so a
 * test can tell which process sent which request even when all of them end up at one proxy.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export type HttpTap = {
  port: number;
  /** Request lines seen so far, e.g. `POST /api/v10/channels/123/messages`. */
  requests: () => string[];
  close: () => Promise<void>;
};

const REQUEST_LINE = /(GET|POST|PUT|PATCH|DELETE) (\/\S*) HTTP\/1\.1\r\n/g;

export async function startHttpTap(targetPort: number, targetHost = '127.0.0.1'): Promise<HttpTap> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    // A request line may be split across chunks: scan the unscanned tail with the new chunk.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      let end = 0;
      for (const match of text.matchAll(REQUEST_LINE)) {
        seen.push(`${match[1]} ${match[2]}`);
        end = match.index + match[0].length;
      }
      tail = text.slice(Math.max(end, text.length - 300));
    });
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    port,
    requests: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

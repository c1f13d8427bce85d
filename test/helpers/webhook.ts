import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver on 127.0.0.1 that keeps every JSON body it is sent. */
export async function captureWebhook(): Promise<{ url: string; bodies: Array<{ kind: string; summary: Record<string, unknown> }>; close: () => void }> {
  const bodies: Array<{ kind: string; summary: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => server.close() };
}

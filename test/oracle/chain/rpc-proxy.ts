import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON-RPC error object a {@link RpcProxy} answers instead of the node. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/**
 * An HTTP JSON-RPC proxy on loopback in front of a real node, that answers chosen methods with a
 * chosen JSON-RPC error (a provider that refuses, or lies) and forwards the rest. Counts calls per method.
 * One request per HTTP body: give the provider `batchMaxCount: 1` (a batch is forwarded as is, uncounted).
 */
export interface RpcProxy {
  readonly url: string;
  /** Calls seen per method (forwarded or answered). */
  calls(method: string): number;
  /** Answers `method` with `error` from now on; `undefined` forwards it again. */
  intercept(method: string, error: RpcErrorObject | undefined): void;
  close(): Promise<void>;
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const counts = new Map<string, number>();
  const intercepts = new Map<string, RpcErrorObject>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let payload: { id?: unknown; method?: string } = {};
      try {
        payload = JSON.parse(body.toString()) as { id?: unknown; method?: string };
      } catch {
        // forwarded as is
      }
      const method = payload.method ?? '?';
      counts.set(method, (counts.get(method) ?? 0) + 1);
      const error = intercepts.get(method);
      if (error) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: payload.id ?? null, error }));
        return;
      }
      const upstream = httpRequest(
        target,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json' });
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: (method) => counts.get(method) ?? 0,
    intercept(method, error) {
      if (error) intercepts.set(method, error);
      else intercepts.delete(method);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

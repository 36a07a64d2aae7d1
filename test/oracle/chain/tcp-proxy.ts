import { createServer, connect, type Server, type Socket } from 'node:net';

/** What a {@link TcpProxy} does with connections. */
export type ProxyMode = 'forward' | 'refuse' | 'hang';

/**
 * A TCP proxy on loopback in front of a real JSON-RPC node, that a test cuts:
 * - `forward`: bytes pass both ways;
 * - `refuse`: the port is closed (connect → ECONNREFUSED), open connections are reset;
 * - `hang`: connections are accepted and bytes swallowed, nothing ever comes back.
 * The port stays the same across modes, so a provider built on its URL sees the endpoint recover.
 */
export interface TcpProxy {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far (all modes but `refuse`). */
  readonly connections: number;
  set(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(
  target: { host: string; port: number },
  mode: ProxyMode = 'forward',
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let current: ProxyMode = mode;
  let connections = 0;
  let server: Server | undefined;
  let port = 0;

  const handle = (client: Socket): void => {
    connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (current === 'hang') {
      client.resume(); // read and drop
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listen = async (): Promise<void> => {
    const s = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    const address = s.address();
    port = typeof address === 'object' && address ? address.port : port;
    server = s;
  };
  const unlisten = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  if (mode === 'refuse') {
    await listen();
    await unlisten();
  } else {
    await listen();
  }
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    async set(next) {
      if (next === current) return;
      const previous = current;
      current = next;
      if (next === 'refuse') {
        await unlisten();
        return;
      }
      dropAll(); // kept-alive connections must see the new mode
      if (previous === 'refuse') await listen();
    },
    async close() {
      await unlisten();
    },
  };
}

// A TCP proxy in front of a server that can be told to cut the next response after N bytes:
// a real dropped connection mid-download, as a flaky network gives one.
import net from 'node:net';

export interface CuttingProxy {
  endpoint: string;
  /** The next connection whose responses pass `bytes` in total is destroyed there. */
  cutNextResponseAfter(bytes: number): void;
  cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  let armed: number | undefined;
  const sockets = new Set<net.Socket>();
  const proxy: CuttingProxy = {
    endpoint: '',
    cuts: 0,
    cutNextResponseAfter(bytes) {
      armed = bytes;
    },
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      sent += d.length;
      if (armed !== undefined && sent > armed) {
        client.write(d.subarray(0, Math.max(0, d.length - (sent - armed))));
        armed = undefined;
        proxy.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}

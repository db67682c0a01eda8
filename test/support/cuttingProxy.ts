// A TCP proxy in front of a server that can be told to cut the next response after N bytes:
// a real dropped connection mid-download, as a flaky network gives one. It can also stall: hold every
// byte both ways (a server that stops answering) and deliver them late on resume.
import net from 'node:net';

export interface CuttingProxy {
  endpoint: string;
  /** The next connection whose responses pass `bytes` in total is destroyed there. */
  cutNextResponseAfter(bytes: number): void;
  /** From now on nothing passes either way; bytes are held, not dropped. */
  stall(): void;
  /** Delivers what was held and passes bytes again. */
  resume(): void;
  cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  let armed: number | undefined;
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const held: (() => void)[] = [];
  const proxy: CuttingProxy = {
    endpoint: '',
    cuts: 0,
    cutNextResponseAfter(bytes) {
      armed = bytes;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const deliver of held.splice(0)) deliver();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    const pass = (deliver: () => void) => (stalled ? held.push(deliver) : deliver());
    client.on('data', (d) => pass(() => upstream.write(d)));
    upstream.on('data', (d) =>
      pass(() => {
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
      }),
    );
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

import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  /** 503s (and connection errors) answered by retrying, as an OTLP SDK does. */
  retries: number;
  seconds: number;
}

/**
 * `clients` OTLP/HTTP senders on keep-alive connections, each posting the next of `bodies`
 * (round robin) and waiting for its answer, until `seconds` have passed (or, with `once`, until
 * every body was accepted once). A 503 is retried after
 * a short pause; any other non-200 aborts the run. Plain node:http keeps the load generator's
 * own CPU low (fetch costs ~3× more per request), since it shares the machine with what it
 * measures.
 */
export async function httpLogLoad(endpoint: string, bodies: Buffer[], clients: number, until: { seconds: number } | { once: true }): Promise<LoadResult> {
  const url = new URL('/v1/logs', endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const post = (body: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.once('error', reject);
      req.end(body);
    });
  let next = 0;
  let done = 0;
  let retries = 0;
  const t0 = performance.now();
  const deadline = 'seconds' in until ? t0 + until.seconds * 1000 : Infinity;
  const more = () => ('seconds' in until ? performance.now() < deadline : next < bodies.length);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (more()) {
        const body = bodies[next++ % bodies.length]!;
        for (;;) {
          const status = await post(body).catch(() => 0);
          if (status === 200) break;
          if (status !== 503 && status !== 0) throw new Error(`OTLP request got ${status}`);
          retries += 1;
          await new Promise((r) => setTimeout(r, 50));
        }
        done += 1;
      }
    }),
  );
  agent.destroy();
  return { requests: done, retries, seconds: (performance.now() - t0) / 1000 };
}

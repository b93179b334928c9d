import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createGunzip } from 'node:zlib';

export interface FetchOptions {
  url: URL;
  timeoutMs: number;
  /** Bytes of the page after decompression; more fails the scrape (Prometheus's body_size_limit). */
  maxBytes: number;
  authorization?: string;
  /** CA, client certificate, server name, verification: node:https options. */
  tls?: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>;
}

export interface Page {
  text: string;
  openMetrics: boolean;
}

/** Why a scrape failed, as a bounded set of reasons (never raw messages) for counting. */
export type ScrapeFailure = 'timeout' | 'connection' | 'http_status' | 'too_large' | 'invalid' | 'too_many_series';

export class ScrapeError extends Error {
  constructor(readonly reason: ScrapeFailure, message: string) {
    super(message);
  }
}

// What Prometheus asks for: OpenMetrics first, the classic text format next.
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/**
 * GETs a metrics page within bounds: the whole scrape (connect, headers, body) must finish within
 * timeoutMs, and reading stops at maxBytes (after gunzip), so a target that never answers or
 * serves an endless page costs a bounded amount of time and memory.
 */
export function fetchPage(options: FetchOptions): Promise<Page> {
  return new Promise<Page>((resolve, reject) => {
    const { url } = options;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: ScrapeError | undefined, page?: Page) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (error) reject(error);
      else resolve(page!);
    };
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          Accept: ACCEPT,
          'Accept-Encoding': 'gzip',
          'User-Agent': 'vigil-prometheus-receiver',
          'X-Prometheus-Scrape-Timeout-Seconds': String(options.timeoutMs / 1000),
          ...(options.authorization ? { Authorization: options.authorization } : {}),
        },
        ...(options.tls ?? {}),
      },
      (res) => read(res),
    );
    const timer = setTimeout(() => finish(new ScrapeError('timeout', `no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (err) => finish(new ScrapeError('connection', err.message)));
    req.end();

    function read(res: IncomingMessage): void {
      if (res.statusCode !== 200) {
        res.resume();
        finish(new ScrapeError('http_status', `HTTP ${res.statusCode}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > options.maxBytes && res.headers['content-encoding'] !== 'gzip') {
        finish(new ScrapeError('too_large', `page of ${declared} bytes is over body_size_limit (${options.maxBytes})`));
        return;
      }
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          finish(new ScrapeError('too_large', `page is over body_size_limit (${options.maxBytes} bytes)`));
          return;
        }
        chunks.push(chunk);
      });
      body.on('error', (err) => finish(new ScrapeError('invalid', `unreadable body: ${err.message}`)));
      body.on('end', () => {
        const type = String(res.headers['content-type'] ?? '').toLowerCase();
        finish(undefined, { text: Buffer.concat(chunks, size).toString('utf8'), openMetrics: type.startsWith('application/openmetrics-text') });
      });
    }
  });
}

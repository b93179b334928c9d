import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface BodyLimits {
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  /**
   * Asked for each chunk of a body without Content-Length (one with it was admitted whole
   * before reading); false ends the read with 503.
   */
  reserve?: (bytes: number) => boolean;
  /**
   * Where a body with Content-Length is read into (the embedded receiver's slabs); without it, or
   * without Content-Length, the chunks are joined into a new buffer.
   */
  allocate?: (bytes: number) => Buffer;
}

/**
 * Reads a request body within limits: 413 once the wire size passes maxRequestBytes (without
 * buffering the rest), and 413 when gzip inflates past maxDecompressedBytes (a gzip bomb).
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limits.maxRequestBytes) {
    throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limits.maxRequestBytes} bytes`, { Connection: 'close' });
  }
  // Read straight into its place when the size is known: no list of chunks, no join.
  const into = limits.allocate && Number.isFinite(declared) && declared > 0 ? limits.allocate(declared) : undefined;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Event listeners rather than for-await: leaving a for-await loop destroys the socket
    // before the 413 can be written.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (limits.reserve && !limits.reserve(chunk.length)) {
        req.off('data', onData);
        req.off('end', onEnd);
        reject(new HttpError(503, 'too many request bytes in flight (collector.otlp.max_inflight_bytes): retry later', { Connection: 'close' }));
        return;
      }
      if (size > limits.maxRequestBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        reject(new HttpError(413, `request body exceeds the limit of ${limits.maxRequestBytes} bytes`, { Connection: 'close' }));
        return;
      }
      // The HTTP parser holds a body to its Content-Length, so `into` never overflows.
      if (into) chunk.copy(into, size - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => resolve(into ? into.subarray(0, size) : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new HttpError(415, `unsupported Content-Encoding "${encoding}": use gzip or none`);
  try {
    return await gunzipAsync(body, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, `decompressed body exceeds the limit of ${limits.maxDecompressedBytes} bytes`);
    }
    throw new HttpError(400, `invalid gzip body: ${(err as Error).message}`);
  }
}

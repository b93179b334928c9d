import { signatureHeaders } from '../webhook-signature.ts';
import type { HookConfig } from './hook-config.ts';
import { OutputTail, type RunResult } from './run-result.ts';

/**
 * One HTTP call, never retried: a retry after a timeout may repeat an action that did happen,
 * and a hook runs at most once. A 2xx is success; the status is the run's exit code.
 */
export async function runHttp(http: NonNullable<HookConfig['http']>, body: string, headers: Record<string, string>, timeoutMs: number, maxOutputBytes: number): Promise<RunResult> {
  const all: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'vigil-hook', ...http.headers, ...headers };
  // Signed like webhooks (X-Vigil-Timestamp + X-Vigil-Signature over `${timestamp}.${body}`), so one verifier serves both.
  if (http.hmac_secret) Object.assign(all, signatureHeaders(http.hmac_secret, body, Date.now()));
  const tail = new OutputTail(maxOutputBytes);
  try {
    const response = await fetch(http.url, { method: http.method, body, headers: all, signal: AbortSignal.timeout(timeoutMs) });
    const reader = response.body?.getReader();
    // Read the answer only up to what is kept, plus a little: a huge body must not stall the hook.
    let read = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      tail.push(Buffer.from(value));
      read += value.length;
      if (read > maxOutputBytes * 4) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
    const ok = response.status >= 200 && response.status < 300;
    return { outcome: ok ? 'ok' : 'failed', exitCode: response.status, stdout: tail.text(), stderr: '', error: ok ? undefined : `answered ${response.status}` };
  } catch (err) {
    const e = err as Error;
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { outcome: timedOut ? 'timeout' : 'failed', exitCode: -1, stdout: tail.text(), stderr: '', error: timedOut ? `no answer within ${timeoutMs} ms` : e.message };
  }
}

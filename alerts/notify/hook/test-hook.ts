import { fingerprint } from '../../engine/fingerprint.ts';
import type { DispatchedAlert, GroupMessage } from '../../dispatch/group-message.ts';
import { alertEnvironment, hookPayload, idempotencyKey, renderArgv } from './hook-alert.ts';
import type { HookConfig } from './hook-config.ts';
import { runCommand } from './run-command.ts';
import { runHttp } from './run-http.ts';
import type { RunResult } from './run-result.ts';

/**
 * A sample alert from a file: an Alertmanager webhook payload (its first alert) or one alert
 * object with labels (annotations, startsAt, status optional).
 */
export function sampleAlert(json: unknown): DispatchedAlert {
  const body = json as any;
  const raw = Array.isArray(body?.alerts) ? body.alerts[0] : body;
  if (!raw || typeof raw !== 'object' || typeof raw.labels !== 'object' || raw.labels === null) {
    throw new Error('expected an alert with "labels" (or an Alertmanager webhook payload with "alerts")');
  }
  const strings = (o: unknown, what: string) => {
    if (o === undefined) return {};
    if (typeof o !== 'object' || o === null || Object.values(o).some((v) => typeof v !== 'string')) throw new Error(`"${what}" must map names to strings`);
    return o as Record<string, string>;
  };
  const labels = strings(raw.labels, 'labels');
  const startsAt = raw.startsAt ? Date.parse(raw.startsAt) : Date.now();
  if (!Number.isFinite(startsAt)) throw new Error(`"startsAt" is not a date: ${raw.startsAt}`);
  const resolved = raw.status === 'resolved';
  return {
    fingerprint: typeof raw.fingerprint === 'string' ? raw.fingerprint : fingerprint(labels),
    labels,
    annotations: strings(raw.annotations, 'annotations'),
    startsAt,
    endsAt: resolved ? (raw.endsAt ? Date.parse(raw.endsAt) : Date.now()) : undefined,
    generatorURL: '',
  };
}

export interface HookTestReport {
  key: string;
  argv?: string[];
  http?: string;
  env: Record<string, string>;
  stdin: string;
  /** Only when asked to run for real. */
  result?: RunResult;
}

/**
 * `vigil hooks test`: shows exactly what the hook would receive for this alert and, only when
 * asked, runs it once. Nothing is written to vigil_hook_runs: a test must not use up an incident.
 */
export async function testHook(name: string, receiver: string, config: HookConfig, alert: DispatchedAlert, run: boolean): Promise<HookTestReport> {
  const message: GroupMessage = { receiver, groupKey: `{test}:${name}`, groupLabels: {}, status: alert.endsAt === undefined ? 'firing' : 'resolved', alerts: [alert], externalURL: '' };
  const key = idempotencyKey(name, alert);
  const stdin = hookPayload(message, alert);
  const env = alertEnvironment(name, key, alert, !run);
  const report: HookTestReport = { key, env, stdin, ...(config.http ? { http: `${config.http.method} ${config.http.url}` } : { argv: renderArgv(config.command!, alert) }) };
  if (!run) return report;
  if (config.http) {
    report.result = await runHttp(config.http, stdin, { 'X-Vigil-Hook': name, 'Idempotency-Key': key }, config.timeout, config.max_output_bytes);
  } else {
    const inherited = Object.fromEntries(config.env_allow.flatMap((n) => (process.env[n] === undefined ? [] : [[n, process.env[n]!]])));
    report.result = await runCommand({ argv: report.argv!, env: { ...inherited, ...env }, stdin, timeoutMs: config.timeout, maxOutputBytes: config.max_output_bytes });
  }
  return report;
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig, type VigilConfig } from '../../core/config/index.ts';
import { apiHeaders, apiToken, authHint } from './api-token.ts';

interface HooksOptions {
  config?: string;
  notifications?: string;
  api: string;
}

const ms = (n: number) => (n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);

/** `vigil hooks list|runs|test`: what is configured, what ran (audit), and a dry run with a sample alert. */
export function registerHooksCommands(program: Command): void {
  const hooks = program
    .command('hooks')
    .description('Failover hooks: list them, read their audit (vigil_hook_runs), test one with a sample alert')
    .option('--config <file>', 'vigil config (its alerts.notification_file; a token for the API)')
    .option('--notifications <file>', 'notification file with hook_configs (instead of --config)')
    .option('--api <url>', 'vigil API, for runs', 'http://127.0.0.1:8080');
  const fail = (err: unknown) => {
    process.stderr.write(`vigil hooks: ${(err as Error).message}\n`);
    process.exitCode = 1;
  };
  const vigilConfig = async (): Promise<VigilConfig | undefined> => {
    const opts = hooks.opts() as HooksOptions;
    const file = opts.config ?? (existsSync('vigil.yaml') ? 'vigil.yaml' : undefined);
    if (!file) return undefined;
    const loaded = await loadConfig(file);
    if (!loaded.ok) throw new Error(`invalid configuration in ${file}: ${loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return loaded.config;
  };
  const configuredHooks = async () => {
    const opts = hooks.opts() as HooksOptions;
    const file = opts.notifications ?? (await vigilConfig())?.alerts.notification_file;
    if (!file) throw new Error('no notification file: pass --notifications FILE, or --config with alerts.notification_file');
    const { loadNotificationConfig, hookNameOf } = await import('../../alerts/index.ts');
    const loaded = await loadNotificationConfig(file);
    if (!loaded.ok) throw new Error(`invalid notification config:\n  ${loaded.problems.join('\n  ')}`);
    return loaded.config.receivers.flatMap((r) => r.hook_configs.map((c, i) => ({ name: hookNameOf(r.name, i, c.name), receiver: r.name, config: c })));
  };

  hooks
    .command('list')
    .description('Hooks in the notification file, with their safety settings')
    .action(async () => {
      try {
        const all = await configuredHooks();
        if (all.length === 0) process.stdout.write('no hooks configured\n');
        for (const { name, receiver, config: c } of all) {
          const target = c.http ? `${c.http.method} ${c.http.url}` : JSON.stringify(c.command);
          const caps = [
            `on ${c.on.join('|')}`,
            `timeout ${ms(c.timeout)}`,
            `cooldown ${ms(c.cooldown)}`,
            c.max_runs ? `max_runs ${c.max_runs.count}/${ms(c.max_runs.per)}` : 'max_runs none',
            `max_concurrent ${c.max_concurrent}`,
            c.storm_guard ? `storm_guard >${c.storm_guard.max_firing} firing` : 'storm_guard none',
            c.dry_run ? 'DRY RUN' : '',
          ].filter(Boolean);
          process.stdout.write(`${name}  (receiver ${receiver})\n  ${target}\n  ${caps.join(', ')}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  hooks
    .command('runs')
    .description('Hook runs from a running vigil, newest first (GET /api/v1/hooks/runs)')
    .option('--hook <name>', 'only this hook')
    .option('--outcome <outcome>', 'only this outcome (ok, failed, timeout, skipped_cooldown, skipped_rate, skipped_storm, dry_run, unknown)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { hook?: string; outcome?: string; limit: string; json?: boolean }) => {
      try {
        const { api } = hooks.opts() as HooksOptions;
        const query = new URLSearchParams({ limit: opts.limit, ...(opts.hook ? { hook: opts.hook } : {}), ...(opts.outcome ? { outcome: opts.outcome } : {}) });
        let response: Response;
        try {
          response = await fetch(`${api}/api/v1/hooks/runs?${query}`, { headers: apiHeaders(apiToken(await vigilConfig(), 'admin')) });
        } catch (err) {
          throw new Error(`cannot reach vigil at ${api}: ${(err as Error).message}`);
        }
        const body = (await response.json().catch(() => ({}))) as any;
        if (!response.ok) throw new Error(`${body.error ?? `answered ${response.status}`}${authHint(response)}`);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(body.data, null, 2)}\n`);
        for (const r of body.data as any[]) {
          const labels = Object.entries(r.labels as Record<string, string>).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
          process.stdout.write(`${r.started}  ${r.hook}  ${r.outcome.padEnd(16)} exit ${String(r.exitCode).padEnd(4)} ${r.labels.alertname ?? ''} {${labels}}${r.error ? `  ${r.error}` : ''}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  hooks
    .command('test')
    .description('Show what a hook receives for a sample alert (argv, VIGIL_ALERT_* environment, JSON); --run runs it once. Never recorded in vigil_hook_runs')
    .argument('<hook>', 'hook name (see vigil hooks list)')
    .requiredOption('--alert <file>', 'JSON: an alert {labels, annotations, startsAt, status} or an Alertmanager webhook payload')
    .option('--run', 'run the hook for real (default: dry run)')
    .action(async (name: string, opts: { alert: string; run?: boolean }) => {
      try {
        const hook = (await configuredHooks()).find((h) => h.name === name);
        if (!hook) throw new Error(`no hook named "${name}" (see vigil hooks list)`);
        let json: unknown;
        try {
          json = JSON.parse(await readFile(opts.alert, 'utf8'));
        } catch (err) {
          throw new Error(`--alert ${opts.alert}: ${(err as Error).message}`);
        }
        const { sampleAlert, testHook } = await import('../../alerts/index.ts');
        const report = await testHook(hook.name, hook.receiver, hook.config, sampleAlert(json), opts.run === true);
        const out = process.stdout;
        out.write(`hook ${hook.name}${opts.run ? '' : ' (dry run: nothing is run; --run to run it)'}\n`);
        out.write(`key    ${report.key}\n`);
        if (report.argv) out.write(`argv   ${JSON.stringify(report.argv)}\n`);
        if (report.http) out.write(`http   ${report.http}\n`);
        out.write(`env    ${Object.entries(report.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n       ')}\n`);
        out.write(`stdin  ${report.stdin}\n`);
        if (report.result) {
          const r = report.result;
          out.write(`result ${r.outcome} (exit ${r.exitCode})${r.error ? `: ${r.error}` : ''}\nstdout ${r.stdout}\nstderr ${r.stderr}\n`);
          if (r.outcome !== 'ok') process.exitCode = 1;
        }
      } catch (err) {
        fail(err);
      }
    });
}

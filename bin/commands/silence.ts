import type { Command } from 'commander';
import { loadConfig, parseDuration } from '../../core/config/index.ts';
import { apiHeaders, apiToken, authHint } from './api-token.ts';

async function call(target: { api: string; token?: string }, method: string, path: string, body?: unknown): Promise<any> {
  const { api } = target;
  let response: Response;
  try {
    response = await fetch(`${api}${path}`, { method, headers: apiHeaders(target.token), body: body ? JSON.stringify(body) : undefined });
  } catch (err) {
    throw new Error(`cannot reach vigil at ${api}: ${(err as Error).message}`);
  }
  const json = (await response.json().catch(() => ({}))) as any;
  if (!response.ok) throw new Error(`${json.error ?? `${method} ${path} answered ${response.status}`}${authHint(response)}`);
  return json.data;
}

/** `vigil silence add|list|expire`, through the API of a running vigil (like amtool). */
export function registerSilenceCommands(program: Command): void {
  const silence = program
    .command('silence')
    .description('Add, list or expire silences on a running vigil (token: VIGIL_AUTH_TOKEN or auth.tokens in --config)')
    .option('--api <url>', 'vigil API', 'http://127.0.0.1:8080')
    // No short flag: `silence add -c` is the comment.
    .option('--config <file>', 'YAML config file to take a token from');
  // Adding or expiring a silence changes who gets paged: that takes an admin token.
  const api = async (role: 'read' | 'admin' = 'admin') => {
    const opts = silence.opts() as { api: string; config?: string };
    const loaded = opts.config ? await loadConfig(opts.config) : undefined;
    if (loaded && !loaded.ok) throw new Error(`invalid configuration in ${opts.config}: ${loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return { api: opts.api, token: apiToken(loaded?.config, role) };
  };
  const fail = (err: unknown) => {
    process.stderr.write(`vigil silence: ${(err as Error).message}\n`);
    process.exitCode = 1;
  };

  silence
    .command('add')
    .description('Silence alerts matching every matcher, e.g. vigil silence add \'host="db-1"\' \'severity=~"warn|info"\'')
    .argument('<matchers...>', 'label matchers: name=value, name!=value, name=~regex, name!~regex')
    .option('-d, --duration <duration>', 'how long', '1h')
    .option('-a, --author <name>', 'who', process.env.USER ?? 'vigil')
    .option('-c, --comment <text>', 'why', '')
    .action(async (matchers: string[], opts: { duration: string; author: string; comment: string }) => {
      const ms = parseDuration(opts.duration);
      if (ms === undefined) return fail(new Error(`--duration: expected a duration like 2h, got "${opts.duration}"`));
      try {
        const created = await call(await api(), 'POST', '/api/v1/silences', { matchers, endsAt: Date.now() + ms, createdBy: opts.author, comment: opts.comment });
        process.stdout.write(`${created.id}\n`);
      } catch (err) {
        fail(err);
      }
    });

  silence
    .command('list')
    .description('List silences, newest first')
    .action(async () => {
      try {
        for (const s of await call(await api('read'), 'GET', '/api/v1/silences')) {
          process.stdout.write(`${s.id}  ${s.status.padEnd(8)} ${s.endsAt}  ${s.createdBy}  ${s.matchers.join(' ')}  ${s.comment}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  silence
    .command('expire')
    .description('Expire silences now')
    .argument('<ids...>')
    .action(async (ids: string[]) => {
      try {
        for (const id of ids) await call(await api(), 'DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
      } catch (err) {
        fail(err);
      }
    });
}

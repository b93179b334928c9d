import type { Command } from 'commander';
import { createStore, type QueryResult } from '../../core/store/index.ts';
import { adHocLimits } from '../../dashboards/index.ts';
import { apiHeaders, apiToken, authHint } from './api-token.ts';
import { loadOrExit } from './load-or-exit.ts';
import { printResult, type OutputFormat } from './print-result.ts';

/**
 * `vigil query SQL`: through the API of a running instance (chDB allows one process per data
 * directory), or directly on the store when none is running.
 */
export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('Run read-only SQL over the cluster history and print the result')
    .argument('<sql>', 'one SELECT/SHOW/DESCRIBE statement')
    .option('-c, --config <file>', 'YAML config file')
    .option('--api <url>', 'API of a running vigil (default: from config, http://127.0.0.1:8080)')
    .option('-f, --format <format>', 'table, json or csv', 'table')
    .action(async (sql: string, opts: { config?: string; api?: string; format: string }) => {
      if (!['table', 'json', 'csv'].includes(opts.format)) {
        process.stderr.write(`vigil query: --format must be table, json or csv, got "${opts.format}"\n`);
        process.exit(2);
      }
      const config = await loadOrExit(opts.config);
      const api = opts.api ?? `${config.api.tls ? 'https' : 'http'}://${config.api.host}:${config.api.port}`;
      let result: QueryResult;
      try {
        result = (await viaApi(api, sql, apiToken(config, 'read'))) ?? (await direct(config, sql));
      } catch (err) {
        process.stderr.write(`vigil query: ${(err as Error).message}\n`);
        process.exit(1);
      }
      printResult(result, opts.format as OutputFormat, process.stdout);
    });
}

async function viaApi(api: string, sql: string, token: string | undefined): Promise<QueryResult | undefined> {
  let response: Response;
  try {
    response = await fetch(`${api}/api/v1/query`, {
      method: 'POST',
      headers: apiHeaders(token),
      body: JSON.stringify({ sql }),
    });
  } catch {
    return undefined; // nothing running there: query the store directly
  }
  const body = (await response.json().catch(() => ({}))) as QueryResult & { error?: string };
  if (!response.ok) throw new Error(`${body.error ?? `API answered ${response.status}`}${authHint(response)}`);
  return body;
}

async function direct(config: Awaited<ReturnType<typeof loadOrExit>>, sql: string): Promise<QueryResult> {
  const store = createStore(config);
  await store.start();
  try {
    // The same sandbox and limits as the SQL API.
    return await store.readOnlyQuery(sql, adHocLimits(config.api.query));
  } finally {
    await store.shutdown();
  }
}

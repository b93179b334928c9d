import type { Command } from 'commander';

/** `vigil rules check|test`, like promtool's `check rules` and `test rules`. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('Check alert rule files, or run their unit tests');

  rules
    .command('check')
    .description('Validate rule files; print every problem with its file and path')
    .argument('<files...>', 'rule files (YAML)')
    .action(async (files: string[]) => {
      const { loadRuleFiles } = await import('../../alerts/index.ts');
      const result = await loadRuleFiles(files);
      if (result.ok) {
        const count = result.groups.reduce((n, g) => n + g.rules.length, 0);
        process.stdout.write(`SUCCESS: ${count} rules in ${result.groups.length} groups\n`);
        return;
      }
      for (const p of result.problems) process.stdout.write(`${p.file}: ${p.path}: ${p.message}\n`);
      process.exitCode = 1;
    });

  rules
    .command('test')
    .description('Run rule unit tests (input series and logs, evaluation times, expected alerts) on an ephemeral embedded store')
    .argument('<files...>', 'rule test files (YAML)')
    .action(async (files: string[]) => {
      const { runRuleTestFiles } = await import('../../alerts/index.ts');
      const results = await runRuleTestFiles(files);
      let failed = 0;
      for (const r of results) {
        if (r.failures.length === 0) {
          process.stdout.write(`  PASS  ${r.file}: ${r.test}\n`);
          continue;
        }
        failed += 1;
        process.stdout.write(`  FAIL  ${r.file}: ${r.test}\n`);
        for (const f of r.failures) process.stdout.write(`        ${f}\n`);
      }
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}

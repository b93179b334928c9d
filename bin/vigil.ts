import { Command } from 'commander';
import { registerConfigCommands } from './commands/config.ts';
import { registerHooksCommands } from './commands/hooks.ts';
import { registerQueryCommand } from './commands/query.ts';
import { registerRulesCommands } from './commands/rules.ts';
import { registerSilenceCommands } from './commands/silence.ts';
import { registerStartCommand } from './commands/start.ts';

const program = new Command()
  .name('vigil')
  .description('Observability and alerting pipeline: OTLP, host metrics and logs into ClickHouse, with SQL over it all.')
  .version('0.1.0')
  .showHelpAfterError();

registerStartCommand(program);
registerConfigCommands(program);
registerQueryCommand(program);
registerRulesCommands(program);
registerSilenceCommands(program);
registerHooksCommands(program);

await program.parseAsync(process.argv);

/** The `wasserflow` command line. Each subcommand lives in src/cli/commands/<name>.ts. */
import { WasserflowError } from '../gpu/errors.js';
import * as info from './commands/info.js';
import * as selfcheck from './commands/selfcheck.js';
import * as flow from './commands/flow.js';
import * as sample from './commands/sample.js';
import * as train from './commands/train.js';
import * as w2 from './commands/w2.js';
import * as lipschitz from './commands/lipschitz.js';
import * as bound from './commands/bound.js';
import * as experiment from './commands/experiment.js';
import * as bench from './commands/bench.js';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = { info, selfcheck, flow, sample, train, w2, lipschitz, bound, experiment, bench };

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `wasserflow — WebGPU engine for Wasserstein distances, score models and the W2 bound\n\nusage: wasserflow <command> [options]\n\n${lines.join('\n')}\n\nRun 'wasserflow <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 1;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`wasserflow: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof WasserflowError) {
      console.error(`wasserflow ${name}: ${e.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

/**
 * The `wasserflow` command line. Each subcommand lives in src/cli/commands/<name>.ts. Exit status:
 * what the command returns (0 success), 1 for an error (one line, no stack trace), 2 for an unknown
 * command, 130 when cancelled (Ctrl-C: src/cli/interrupt.ts).
 */
import { CancelledError, WasserflowError } from '../api/library.js';
import { describeFsError } from './files.js';
import { installInterruptHandler } from './interrupt.js';
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
  installInterruptHandler(name);
  try {
    return await cmd.run(rest);
  } catch (e) {
    // A cancellation that the command did not report itself: exit status 130 as for Ctrl-C.
    if (e instanceof CancelledError) {
      console.error(`wasserflow ${name}: cancelled (${e.message})`);
      return 130;
    }
    console.error(`wasserflow ${name}: ${oneLine(e)}`);
    return 1;
  }
}

/**
 * An error as one message without a stack trace: the engine's own errors by name, Node's file
 * errors in words, anything else marked as an internal error (the stack with WASSERFLOW_DEBUG=1).
 */
function oneLine(e: unknown): string {
  if (e instanceof WasserflowError) return `${e.name}: ${e.message}`;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return `InputError: ${(e as Error).message}`; // node:util parseArgs
  const fs = describeFsError(e);
  const path = (e as { path?: unknown }).path;
  if (fs) return `${typeof path === 'string' ? `'${path}': ` : ''}${fs}`;
  if (e instanceof RangeError && /allocation|memory|Invalid array length|Invalid typed array length/i.test(e.message)) {
    return `out of memory (${e.message}): use smaller sizes`;
  }
  if (process.env.WASSERFLOW_DEBUG) console.error(e);
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `internal error: ${msg}${process.env.WASSERFLOW_DEBUG ? '' : ' (set WASSERFLOW_DEBUG=1 for the stack trace)'}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`wasserflow: ${oneLine(e)}`);
    process.exit(1);
  },
);

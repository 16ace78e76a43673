// Every command answers --help with exit 0, and its usage lists every flag it accepts (the
// synopsis, for the commands that have one; flow groups its flags by kind below '[options]').
// Also the refusals that come before any work (train's --lr and --maximize).
import { describe, expect, it } from 'vitest';
import { BENCH_USAGE } from '../bench/run_node.js';
import { RUNNER_OPTIONS } from '../bench/report.js';
import * as bound from '../src/cli/commands/bound.js';
import * as experiment from '../src/cli/commands/experiment.js';
import * as flow from '../src/cli/commands/flow.js';
import * as info from '../src/cli/commands/info.js';
import * as lipschitz from '../src/cli/commands/lipschitz.js';
import * as sample from '../src/cli/commands/sample.js';
import * as selfcheck from '../src/cli/commands/selfcheck.js';
import * as train from '../src/cli/commands/train.js';
import * as w2 from '../src/cli/commands/w2.js';
import { parse } from '../src/cli/args.js';
import { printed } from './fixtures.js';

interface CommandModule {
  usage: string;
  options: Record<string, unknown>;
  run(argv: string[]): Promise<number>;
}
const commands: Record<string, CommandModule> = { info, selfcheck, flow, sample, train, lipschitz, bound, experiment, w2 };

/** The synopsis: the usage up to its first blank line. */
const synopsis = (usage: string) => usage.split(/\n\s*\n/)[0]!;

describe('wasserflow <command> --help', () => {
  for (const [name, m] of Object.entries(commands)) {
    it(`${name}: --help prints the usage and exits 0`, async () => {
      const r = await printed(() => m.run(['--help']));
      expect(r.code).toBe(0);
      expect(r.out).toContain(`wasserflow ${name}`);
    });
    it(`${name}: the usage lists every flag`, () => {
      const text = name === 'flow' ? m.usage : synopsis(m.usage);
      const missing = Object.keys(m.options).filter((f) => f !== 'help' && !new RegExp(`--${f}(?![\\w-])`).test(text));
      expect(missing, `${name}: flags missing from the usage`).toEqual([]);
    });
  }
  it('bench: the usage lists every flag', () => {
    const missing = Object.keys(RUNNER_OPTIONS).filter((f) => !new RegExp(`--${f}(?![\\w-])`).test(BENCH_USAGE));
    expect(missing).toEqual([]);
  });
  it('an unknown option is named once, with balanced quotes, and the usage', () => {
    let message = '';
    try {
      parse(['--nope'], info.options, info.usage);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')[0]).toBe("Unknown option '--nope'");
    expect(message).toContain(`usage: ${info.usage}`);
  });
});

describe('wasserflow train: refusals before any work', () => {
  // No --out directory is created: these fail before prepareOutputDir.
  const out = '/nonexistent-wasserflow-test/run';
  it('--lr outside the trainer range (0, 10]', async () => {
    await expect(train.run(['--dataset', 'moons', '--out', out, '--lr', '0'])).rejects.toThrow('--lr must be in (0, 10], got 0');
    await expect(train.run(['--dataset', 'moons', '--out', out, '--lr', '11'])).rejects.toThrow('--lr must be in (0, 10], got 11');
  });
  it('--maximize must leave steps that minimise the loss', async () => {
    await expect(train.run(['--dataset', 'moons', '--out', out, '--maximize', '100', '--steps', '10'])).rejects.toThrow(/--maximize 100: .* below --steps \(10\)/);
    await expect(train.run(['--dataset', 'moons', '--out', out, '--maximize', '10', '--steps', '10'])).rejects.toThrow(/below --steps/);
  });
});

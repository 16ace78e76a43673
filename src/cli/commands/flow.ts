/**
 * `wasserflow flow <kind>`: run a Wasserstein gradient flow on the GPU and write its trace (W2 to
 * the target and the energy along virtual time) as JSON plus an SVG plot of W2.
 */
import { createEngine, DEFAULT_FLOW_BLUR, flowFigure, runFlow, GENERATOR_LOSSES, MONO_H, type FlowPreset, type GeneratorLoss, type MonoH, type PresetKind, type PresetOptions } from '../../api/engine.js';
import { InputError } from '../../api/library.js';
import { renderSvg } from '../../plot/svg.js';
import { writeFigureCompanions } from '../../plot/write.js';
import { num, parse, progress, type Options } from '../args.js';
import { checkOutputFile, writeAtomic } from '../files.js';

export const summary = 'Wasserstein gradient flows (monoflow, rectified, bridge, schrodinger, heat, vp) with W2 along the flow';

const KINDS = ['monoflow', 'rectified', 'bridge', 'schrodinger', 'heat', 'vp'] as const;
type Kind = (typeof KINDS)[number];

export const usage = `wasserflow flow <${KINDS.join('|')}> [options]
  common:      --n N (particles, default 4096)  --steps S  --every K (steps per readback)  --seed S
               --out trace.json  --svg w2.svg  --json (print the trace)
               --w2 auto|sinkhorn|moment: W2 estimator in 2-D (auto: debiased Sinkhorn on the GPU when
               n <= 2048, else the moment (Bures) bound; Sinkhorn costs n² per iteration)
               --blur 0.05 (Sinkhorn blur, a fraction of the data diameter)
  monoflow:    exact-ratio MonoFlow on the affine toy of DESIGN.md (x = μ + Lz from μ = (1,1), L = I
               to N(0, [[1,.8],[.8,.89]])): --h ${MONO_H.join('|')}  --C shift (softplus)
               --optimizer adam|sgd  --lr 0.01  (--steps = rounds, default 1000)
               --loss gan|regression  --k N (generator steps per round, ratio frozen)  --eps 0.1 (regression step)
               --ratio estimated: no generator; particles from N((1,1), I) move by x += ε∇h(D(x)) with a
               discriminator MLP D ≈ log p/q (logistic loss): --eps 0.1  --K 20 (D steps per move)
               --lr 0.002  (--steps = moves, default 60)
               --ratio estimated --generator: an MLP generator g(z) (2→64→64→2, softplus, n fixed
               latents z ~ N(0, I)) follows that particle flow: --gen-loss regression|direct
               (regression: E||g(z) − g_t(z) − ε∇h(D(g_t(z)))||²; direct: −E h(D(g(z))))
               --gen-steps k (generator Adam steps per round, default 1)  --gen-lr 0.001  --K 20
               (--steps = rounds, default 200)
  rectified:   rectified flow N(0, I) → N((2,-1), [[.6,-.2],[-.2,1.4]]) with an MLP velocity (2→64→64→2, SiLU,
               Fourier time): --train 1500 (Adam steps, batch 256)  --lr 0.002  --method heun|euler
               --steps 20 (ODE steps)  --reflow (one reflow, then transport again)
  bridge:      Brownian bridge from N(0, I) to paired samples of N((2,-1), [[.6,-.2],[-.2,1.4]]): --sigma 1
  schrodinger: Gaussian Schrödinger bridge between the same two clouds: --sigma 0.5
  heat:        heat flow from N((1,-2), [[.5,.2],[.2,.3]]): --T 1
  vp:          VP (Ornstein–Uhlenbeck) flow from the same start to N(0, I): --T 3`;

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = {
  n: { type: 'string' }, steps: { type: 'string' }, every: { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, svg: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  h: { type: 'string' }, C: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
  sigma: { type: 'string' }, T: { type: 'string' }, ratio: { type: 'string' }, loss: { type: 'string' }, k: { type: 'string' }, eps: { type: 'string' }, K: { type: 'string' }, train: { type: 'string' }, method: { type: 'string' }, reflow: { type: 'boolean' },
  w2: { type: 'string' }, blur: { type: 'string' },
  generator: { type: 'boolean' }, 'gen-loss': { type: 'string' }, 'gen-steps': { type: 'string' }, 'gen-lr': { type: 'string' },
} satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const kind = positionals[0] as Kind | undefined;
  if (!kind || !KINDS.includes(kind)) throw new InputError(`flow: expected one of ${KINDS.join(', ')}, got '${kind ?? ''}'\nusage: ${usage}`);
  const n = num(values.n, 'n', 4096, { min: 2, max: 4_000_000, int: true });
  const seed = num(values.seed, 'seed', 1, { min: 0, int: true });
  const h = (values.h ?? 'identity') as MonoH;
  if (!MONO_H.includes(h)) throw new InputError(`--h must be one of ${MONO_H.join(', ')}, got '${h}'`);
  const optimizer = values.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new InputError(`--optimizer must be adam or sgd, got '${optimizer}'`);

  const w2Arg = values.w2 ?? 'auto';
  if (w2Arg !== 'auto' && w2Arg !== 'sinkhorn' && w2Arg !== 'moment') throw new InputError(`--w2 must be auto, sinkhorn or moment, got '${w2Arg}'`);
  const blur = num(values.blur, 'blur', DEFAULT_FLOW_BLUR, { min: 1e-4, max: 1 });

  if (values.out) checkOutputFile(values.out, '--out');
  if (values.svg) checkOutputFile(values.svg, '--svg');
  const engine = await createEngine();
  let preset: FlowPreset | undefined;
  try {
    const ratio = values.ratio ?? 'exact';
    if (ratio !== 'exact' && ratio !== 'estimated') throw new InputError(`--ratio must be exact or estimated, got '${ratio}'`);
    if (values.generator && (kind !== 'monoflow' || ratio !== 'estimated')) throw new InputError('--generator needs flow monoflow --ratio estimated');
    const preset_: PresetKind = kind !== 'monoflow' ? kind : values.generator ? 'monoflow-generator' : ratio === 'estimated' ? 'monoflow-particles' : 'monoflow';
    // The CLI's runs are longer than the page's: 1000 rounds of the exact-ratio MonoFlow, 100 ODE steps of rectified flow.
    const steps = values.steps !== undefined ? num(values.steps, 'steps', 0, { min: 1, max: 1_000_000, int: true }) : preset_ === 'monoflow' ? 1000 : preset_ === 'rectified' ? 100 : undefined;
    const o: PresetOptions = { n, seed, w2: w2Arg, blur, h, ...(steps !== undefined ? { steps } : {}) };
    if (values.C !== undefined) o.shift = num(values.C, 'C', 0);
    if (values.eps !== undefined) o.eps = num(values.eps, 'eps', 0.1, { min: 1e-6, max: 10 });
    if (values.K !== undefined) o.discSteps = num(values.K, 'K', 20, { min: 1, max: 256, int: true });
    if (values.lr !== undefined) o.lr = preset_ === 'monoflow' ? num(values.lr, 'lr', 0.01, { min: 1e-8, max: 10 }) : num(values.lr, 'lr', 2e-3, { min: 1e-8, max: 1 });
    if (preset_ === 'monoflow') {
      o.optimizer = optimizer;
      o.loss = (values.loss ?? 'gan') as 'gan' | 'regression';
      if (values.k !== undefined) o.generatorSteps = num(values.k, 'k', 1, { min: 1, max: 10000, int: true });
    }
    if (preset_ === 'monoflow-generator') {
      const genLoss = (values['gen-loss'] ?? 'regression') as GeneratorLoss;
      if (!GENERATOR_LOSSES.includes(genLoss)) throw new InputError(`--gen-loss must be one of ${GENERATOR_LOSSES.join(', ')}, got '${genLoss}'`);
      o.genLoss = genLoss;
      if (values['gen-steps'] !== undefined) o.genSteps = num(values['gen-steps'], 'gen-steps', 1, { min: 1, max: 256, int: true });
      if (values['gen-lr'] !== undefined) o.genLr = num(values['gen-lr'], 'gen-lr', 1e-3, { min: 1e-8, max: 1 });
    }
    if (preset_ === 'rectified') {
      const method = values.method ?? 'heun';
      if (method !== 'heun' && method !== 'euler') throw new InputError(`--method must be heun or euler, got '${method}'`);
      o.method = method;
      const trainSteps = num(values.train, 'train', 1500, { min: 1, max: 1e7, int: true });
      o.trainSteps = trainSteps;
      o.lossEvery = Math.max(1, Math.ceil(trainSteps / 10));
      const tb = progress('train rectified', trainSteps);
      o.onTrainProgress = (e) => tb(e.done, `loss ${e.metrics?.loss?.toPrecision(4) ?? ''}`);
      if (values.reflow) o.reflow = true;
    }
    if (kind === 'bridge' || kind === 'schrodinger') o.sigma = num(values.sigma, 'sigma', kind === 'bridge' ? 1 : 0.5, { min: kind === 'bridge' ? 0 : 1e-6, max: 100 });
    if (kind === 'heat' || kind === 'vp') o.T = num(values.T, 'T', kind === 'heat' ? 1 : 3, { min: 1e-6, max: 1e4 });
    preset = await engine.flow(preset_, o);
    const flow = preset.flow;
    const extra: Record<string, unknown> = { ...preset.details };
    // Rectified flow's ODE, the bridges and the particle flows each count their own steps (moves, rounds).
    const every = num(values.every, 'every', Math.max(1, Math.ceil(flow.totalSteps / 20)), { min: 1, int: true });
    const bar = progress(`flow ${kind}`, flow.totalSteps);
    const t0 = performance.now();
    const trace = await runFlow(flow, { every, onPoint: (p) => bar(p.step, `W2 ${p.w2.toPrecision(4)}`) });
    const seconds = (performance.now() - t0) / 1000;
    const last = trace[trace.length - 1]!;
    const report = {
      kind, n, steps: flow.totalSteps, seed, adapter: `${engine.adapter.vendor} ${engine.adapter.architecture} ${engine.adapter.description}`.trim(),
      w2Method: flow.w2Method, w2Estimator: trace[0]!.w2Estimator, ...(trace[0]!.w2Estimator === 'sinkhorn' ? { blurFraction: blur } : {}), energyName: flow.energyName, seconds, trace,
      ...(preset.generator ? { h, optimizer, generator: await preset.generator() } : {}),
      ...extra,
    };
    const json = JSON.stringify(report, (_, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v), 2);
    if (values.out) writeAtomic(values.out, json, '--out');
    // --svg F.svg also writes F.png (slides) and F.figure.json (the figure's spec, to restyle it).
    const plotted: string[] = [];
    if (values.svg) {
      const figure = flowFigure(`wasserflow flow ${kind}`, trace, flow.w2Method);
      writeAtomic(values.svg, renderSvg(figure), '--svg');
      plotted.push(values.svg, ...(await writeFigureCompanions(values.svg, figure)));
    }
    if (values.json) console.log(json);
    else {
      console.log(`flow ${kind}: ${flow.totalSteps} steps of ${n} particles in ${seconds.toFixed(2)} s on ${report.adapter}`);
      console.log(`W2 (${flow.w2Method}): ${trace[0]!.w2.toPrecision(5)} → ${last.w2.toPrecision(5)}` + (last.w2Moment !== undefined && last.w2Estimator !== 'moment' ? `   moment bound: ${trace[0]!.w2Moment!.toPrecision(5)} → ${last.w2Moment.toPrecision(5)}` : '') + (last.w2Exact !== undefined ? `   exact law: ${trace[0]!.w2Exact!.toPrecision(5)} → ${last.w2Exact.toPrecision(5)}` : ''));
      if (last.energy !== undefined) console.log(`${flow.energyName}: ${trace[0]!.energy!.toPrecision(5)} → ${last.energy.toPrecision(5)}` + (last.energyExact !== undefined ? `   (closed form ${last.energyExact.toPrecision(5)})` : ''));
      if (preset.law) {
        const g = await preset.law();
        console.log(`generator: μ = [${Array.from(g.mean, (v) => v.toExponential(3)).join(', ')}], LLᵀ = [${Array.from(g.cov, (v) => v.toFixed(5)).join(', ')}]`);
      }
      if (extra.trainLoss) {
        const l = extra.trainLoss as { loss: number }[];
        console.log(`velocity-matching loss: ${l[0]!.loss.toPrecision(4)} → ${l[l.length - 1]!.loss.toPrecision(4)}`);
      }
      if (extra.reflowLoss) {
        const l = extra.reflowLoss as { loss: number }[];
        console.log(`after one reflow: ${l[0]!.loss.toPrecision(4)} → ${l[l.length - 1]!.loss.toPrecision(4)} (straight paths: near 0)`);
      }
      if (values.out) console.log(`trace written to ${values.out}`);
      if (plotted.length) console.log(`plot written to ${plotted.join(', ')}`);
    }
    return 0;
  } finally {
    preset?.destroy();
    engine.destroy();
  }
}

/**
 * `wasserflow flow <kind>`: run a Wasserstein gradient flow on the GPU and write its trace (W2 to
 * the target and the energy along virtual time) as JSON plus an SVG plot of W2.
 */
import { GpuContext } from '../../gpu/context.js';
import { InputError } from '../../gpu/errors.js';
import { MONO_H, type MonoH } from '../../api/engine.js';
import { sampleGaussianCloud } from '../../flows/clouds.js';
import { runFlow, type FlowRunner } from '../../flows/flow.js';
import { GaussianMonoFlow } from '../../flows/monoflow_gaussian.js';
import { ParticleMonoFlow } from '../../flows/monoflow.js';
import { GENERATOR_LOSSES, GeneratorMonoFlow, type GeneratorLoss } from '../../flows/monoflow_generator.js';
import { flowFigure } from '../../flows/plot.js';
import { renderSvg } from '../../plot/svg.js';
import { writeFigureCompanions } from '../../plot/write.js';
import { brownianBridge, heatFlow, schrodingerBridge, vpFlow } from '../../flows/sde_flows.js';
import { RectifiedFlow, type OdeMethod } from '../../flows/rectified.js';
import { matmul, rectifiedGaussianMap, transpose } from '../../flows/gaussian.js';
import { DEFAULT_FLOW_BLUR, type FlowW2Options } from '../../flows/w2_measure.js';
import { SOURCE, START, TARGET, TOY_START, TOY_TARGET } from '../../flows/presets.js';
import { num, parse, progress } from '../args.js';
import { checkOutputFile, writeAtomic } from '../files.js';

export const summary = 'Wasserstein gradient flows (monoflow, rectified, bridge, schrodinger, heat, vp) with W2 along the flow';

const KINDS = ['monoflow', 'rectified', 'bridge', 'schrodinger', 'heat', 'vp'] as const;
type Kind = (typeof KINDS)[number];

const usage = `wasserflow flow <${KINDS.join('|')}> [options]
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


export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      n: { type: 'string' }, steps: { type: 'string' }, every: { type: 'string' }, seed: { type: 'string' },
      out: { type: 'string' }, svg: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
      h: { type: 'string' }, C: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
      sigma: { type: 'string' }, T: { type: 'string' }, ratio: { type: 'string' }, loss: { type: 'string' }, k: { type: 'string' }, eps: { type: 'string' }, K: { type: 'string' }, train: { type: 'string' }, method: { type: 'string' }, reflow: { type: 'boolean' },
      w2: { type: 'string' }, blur: { type: 'string' },
      generator: { type: 'boolean' }, 'gen-loss': { type: 'string' }, 'gen-steps': { type: 'string' }, 'gen-lr': { type: 'string' },
    },
    usage,
  );
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
  // The particle MonoFlow measures against at least 2000 data points.
  const w2Points = kind === 'monoflow' && values.ratio === 'estimated' ? Math.max(n, 2000) : n;
  const w2: FlowW2Options = {
    w2: w2Arg === 'auto' ? (w2Points <= 2048 ? 'sinkhorn' : 'moment') : w2Arg,
    blur: num(values.blur, 'blur', DEFAULT_FLOW_BLUR, { min: 1e-4, max: 1 }),
  };

  if (values.out) checkOutputFile(values.out, '--out');
  if (values.svg) checkOutputFile(values.svg, '--svg');
  const ctx = await GpuContext.create();
  let flow: FlowRunner | undefined;
  const extra: Record<string, unknown> = {};
  const trained: RectifiedFlow[] = [];
  try {
    // The demo clouds use their own Philox key: sharing the flow's (seed, stream) counters would
    // correlate the start points with the noise of the first steps.
    const dataSeed = seed + 0x9e3779b9;
    const steps = num(values.steps, 'steps', kind === 'monoflow' ? 1000 : 100, { min: 1, max: 1_000_000, int: true });
    const ratio = values.ratio ?? 'exact';
    if (ratio !== 'exact' && ratio !== 'estimated') throw new InputError(`--ratio must be exact or estimated, got '${ratio}'`);
    if (values.generator && (kind !== 'monoflow' || ratio !== 'estimated')) throw new InputError('--generator needs flow monoflow --ratio estimated');
    if (kind === 'monoflow' && values.generator) {
      const genLoss = (values['gen-loss'] ?? 'regression') as GeneratorLoss;
      if (!GENERATOR_LOSSES.includes(genLoss)) throw new InputError(`--gen-loss must be one of ${GENERATOR_LOSSES.join(', ')}, got '${genLoss}'`);
      flow = await GeneratorMonoFlow.create(ctx, {
        data: sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1), dim: 2, n, h, shift: num(values.C, 'C', 0),
        eps: num(values.eps, 'eps', 0.1, { min: 1e-6, max: 10 }), rounds: num(values.steps, 'steps', 200, { min: 1, max: 1e6, int: true }),
        discSteps: num(values.K, 'K', 20, { min: 1, max: 256, int: true }), lr: num(values.lr, 'lr', 2e-3, { min: 1e-8, max: 1 }),
        genLoss, genSteps: num(values['gen-steps'], 'gen-steps', 1, { min: 1, max: 256, int: true }), genLr: num(values['gen-lr'], 'gen-lr', 1e-3, { min: 1e-8, max: 1 }),
        seed, ...w2,
      });
      extra.generator = { loss: genLoss, steps: num(values['gen-steps'], 'gen-steps', 1, { min: 1, int: true }) };
    } else if (kind === 'monoflow' && ratio === 'estimated') {
      const moves = num(values.steps, 'steps', 60, { min: 1, max: 1e6, int: true });
      flow = await ParticleMonoFlow.create(ctx, {
        data: sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1), particles: sampleGaussianCloud(TOY_START, n, dataSeed, 2), dim: 2,
        h, shift: num(values.C, 'C', 0), eps: num(values.eps, 'eps', 0.1, { min: 1e-6, max: 10 }), moves, discSteps: num(values.K, 'K', 20, { min: 1, max: 256, int: true }),
        lr: num(values.lr, 'lr', 2e-3, { min: 1e-8, max: 1 }), hidden: [32, 32], seed, ...w2,
      });
    } else if (kind === 'monoflow') {
      flow = await GaussianMonoFlow.create(ctx, {
        target: TOY_TARGET, mu: [1, 1], L: [1, 0, 0, 1], h, shift: num(values.C, 'C', 0), n, iterations: steps, seed,
        loss: (values.loss ?? 'gan') as 'gan' | 'regression', generatorSteps: num(values.k, 'k', 1, { min: 1, max: 10000, int: true }),
        eps: num(values.eps, 'eps', 0.1, { min: 1e-6, max: 10 }),
        optimizer: { kind: optimizer, lr: num(values.lr, 'lr', 0.01, { min: 1e-8, max: 10 }) }, ...w2,
      });
    } else if (kind === 'rectified') {
      const method = (values.method ?? 'heun') as OdeMethod;
      if (method !== 'heun' && method !== 'euler') throw new InputError(`--method must be heun or euler, got '${method}'`);
      const trainSteps = num(values.train, 'train', 1500, { min: 1, max: 1e7, int: true });
      const source = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const target = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      let rf = await RectifiedFlow.create(ctx, { source, target, dim: 2, lr: num(values.lr, 'lr', 2e-3, { min: 1e-8, max: 1 }), seed });
      trained.push(rf);
      const tb = progress('train rectified', trainSteps);
      extra.trainLoss = await rf.train(trainSteps, { lossEvery: Math.max(1, Math.ceil(trainSteps / 10)), onProgress: (e) => tb(e.done, `loss ${e.metrics?.loss?.toPrecision(4) ?? ''}`) });
      if (values.reflow) {
        rf = await rf.reflow({ odeSteps: steps, method });
        trained.push(rf);
        extra.reflowLoss = await rf.train(trainSteps, { lossEvery: Math.max(1, Math.ceil(trainSteps / 10)) });
      }
      const exactLaw = (t: number) => {
        const { c, m } = rectifiedGaussianMap(TARGET, t);
        return { mean: c, cov: matmul(m, transpose(m, 2), 2) };
      };
      flow = await rf.transport({ steps, method, exactLaw, target, ...w2 });
    } else if (kind === 'bridge' || kind === 'schrodinger') {
      const x0 = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const x1 = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      const sigma = num(values.sigma, 'sigma', kind === 'bridge' ? 1 : 0.5, { min: kind === 'bridge' ? 0 : 1e-6, max: 100 });
      flow = kind === 'bridge'
        ? await brownianBridge(ctx, { x0, x1, dim: 2, sigma, steps, seed, ...w2 })
        : await schrodingerBridge(ctx, { source: x0, target: x1, dim: 2, sigma, steps, seed, ...w2 });
    } else {
      const x0 = sampleGaussianCloud(START, n, dataSeed, 3);
      const T = num(values.T, 'T', kind === 'heat' ? 1 : 3, { min: 1e-6, max: 1e4 });
      flow = kind === 'heat' ? await heatFlow(ctx, { x0, dim: 2, T, steps, seed, ...w2 }) : await vpFlow(ctx, { x0, dim: 2, T, steps, seed, ...w2 });
    }
    // Rectified flow's ODE, the bridges and the particle flows each count their own steps (moves, rounds).
    const every = num(values.every, 'every', Math.max(1, Math.ceil(flow.totalSteps / 20)), { min: 1, int: true });
    const bar = progress(`flow ${kind}`, flow.totalSteps);
    const t0 = performance.now();
    const trace = await runFlow(flow, { every, onPoint: (p) => bar(p.step, `W2 ${p.w2.toPrecision(4)}`) });
    const seconds = (performance.now() - t0) / 1000;
    const last = trace[trace.length - 1]!;
    const report = {
      kind, n, steps: flow.totalSteps, seed, adapter: `${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}`.trim(),
      w2Method: flow.w2Method, w2Estimator: trace[0]!.w2Estimator, ...(trace[0]!.w2Estimator === 'sinkhorn' ? { blurFraction: w2.blur } : {}), energyName: flow.energyName, seconds, trace,
      ...(flow instanceof GaussianMonoFlow ? { h, optimizer, generator: await flow.generator() } : {}),
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
      if (flow instanceof GaussianMonoFlow) {
        const g = await flow.law();
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
    flow?.destroy();
    for (const rf of trained) rf.destroy();
    ctx.destroy();
  }
}

/**
 * tfjs-webgpu peer of bench/train.bench.ts: the same training step (same model, batch, loss and
 * optimizer as bench/peers/torch_train.py) with tfjs on wasserflow's own device. tfjs-core alone
 * ships no gradient registrations (the union package adds them, and their ESM files do not load
 * in Node), so the backward pass is written out with tfjs ops (matMul with transposes, segment sum
 * for the embedding) — the same arithmetic autograd would run. tfjs has no AdamW: the paper model
 * uses tf.train.adam with the same global-norm clipping. One run = `steps` steps and a final loss
 * readback.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { GpuContext } from '../../src/gpu/context.js';
import { measure, peerTiming, type MeasureOptions, type PeerTiming } from '../harness.js';
import { tfjsOn } from './tfjs.js';

type T = TfCore.Tensor;

export async function tfjsTrain(ctx: GpuContext, model: 'paper' | 'mlp', batch: number, steps: number, opts: MeasureOptions = {}): Promise<PeerTiming> {
  const { tf, version } = await tfjsOn(ctx);
  const N = 4000;
  const vars: TfCore.Variable[] = [];
  const keep: T[] = [];
  const v = (t: T) => {
    const x = tf.variable(t);
    vars.push(x);
    return x;
  };
  const glorot = (i: number, o: number) => tf.randomUniform([i, o], -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o)));
  const opt = tf.train.adam(1e-3);
  let stepFn: () => T;
  if (model === 'paper') {
    const n = 10;
    const betas = Array.from({ length: n }, (_, i) => (1 / (1 + Math.exp(-(-6 + (12 * i) / (n - 1))))) * (1e-2 - 1e-5) + 1e-5);
    let ab = 1;
    const abars = betas.map((b) => (ab *= 1 - b));
    const abar = tf.tensor1d(abars);
    const weight = tf.tensor1d(betas.map((b, i) => b / (1 - abars[i]!)));
    const centers = tf.tensor2d([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]]);
    const data = tf.add(tf.gather(centers, tf.randomUniform([N], 0, 4, 'int32')), tf.mul(0.0125, tf.randomNormal([N, 2])));
    keep.push(abar, weight, centers, data);
    const dims = [2, 64, 64, 64];
    const W = dims.slice(1).map((o, i) => v(glorot(dims[i]!, o)));
    const b = dims.slice(1).map((o) => v(tf.zeros([o])));
    const E = dims.slice(1).map((o) => v(tf.randomUniform([n, o])));
    const Wo = v(glorot(64, 2));
    const bo = v(tf.zeros([2]));
    stepFn = () =>
      tf.tidy(() => {
        const x0 = tf.gather(data, tf.randomUniform([batch], 0, N, 'int32'));
        const th = tf.randomUniform([Math.floor(batch / 2) + 1], 0, n, 'int32');
        const t = tf.slice(tf.concat([th, tf.sub(tf.scalar(n - 1, 'int32'), th)]), 0, batch);
        const eps = tf.randomNormal([batch, 2]);
        const a = tf.expandDims(tf.gather(abar, t), 1);
        const xt = tf.add(tf.mul(tf.sqrt(a), x0), tf.mul(tf.sqrt(tf.sub(1, a)), eps));
        const wt = tf.expandDims(tf.gather(weight, t), 1);
        // Forward, keeping what the backward pass needs.
        const hs: T[] = [xt], zs: T[] = [], es: T[] = [], vs: T[] = [];
        for (let l = 0; l < 3; l++) {
          const z = tf.add(tf.matMul(hs[l]!, W[l]!), b[l]!);
          const e = tf.gather(E[l]!, t);
          const vv = tf.mul(z, e);
          zs.push(z), es.push(e), vs.push(vv);
          hs.push(tf.softplus(vv));
        }
        const out = tf.add(tf.matMul(hs[3]!, Wo), bo);
        const r = tf.sub(out, eps);
        const loss = tf.mean(tf.mul(wt, tf.sum(tf.square(r), 1, true)));
        // Backward.
        const grads: TfCore.NamedTensorMap = {};
        const dout = tf.mul(tf.mul(wt, r), 2 / batch);
        grads[Wo.name] = tf.matMul(hs[3]!, dout, true, false);
        grads[bo.name] = tf.sum(dout, 0);
        let dh = tf.matMul(dout, Wo, false, true);
        for (let l = 2; l >= 0; l--) {
          const dv = tf.mul(dh, tf.sigmoid(vs[l]!));
          const dz = tf.mul(dv, es[l]!);
          grads[E[l]!.name] = tf.unsortedSegmentSum(tf.mul(dv, zs[l]!), t as TfCore.Tensor1D, n);
          grads[W[l]!.name] = tf.matMul(hs[l]!, dz, true, false);
          grads[b[l]!.name] = tf.sum(dz, 0);
          if (l > 0) dh = tf.matMul(dz, W[l]!, false, true);
        }
        const names = Object.keys(grads);
        const norm = tf.sqrt(names.map((k) => tf.sum(tf.square(grads[k]!))).reduce((x, y) => tf.add(x, y)));
        const scale = tf.minimum(1, tf.div(1, tf.add(norm, 1e-6)));
        for (const k of names) grads[k] = tf.mul(grads[k]!, scale);
        opt.applyGradients(grads as never);
        return loss;
      });
  } else {
    const F = 4;
    const freqs = tf.tensor1d(Array.from({ length: F }, (_, k) => Math.PI * 2 ** k));
    const data = tf.randomNormal([N, 2]);
    keep.push(freqs, data);
    const dims = [2 + 2 * F, 128, 128, 128, 128, 2];
    const W = dims.slice(1).map((o, i) => v(glorot(dims[i]!, o)));
    const b = dims.slice(1).map((o) => v(tf.zeros([o])));
    stepFn = () =>
      tf.tidy(() => {
        const x0 = tf.gather(data, tf.randomUniform([batch], 0, N, 'int32'));
        const t = tf.randomUniform([batch], 1e-3, 1);
        const logm = tf.sub(tf.mul(-0.25 * (20 - 0.1), tf.square(t)), tf.mul(0.5 * 0.1, t));
        const al = tf.expandDims(tf.exp(logm), 1);
        const sg = tf.sqrt(tf.sub(1, tf.square(al)));
        const eps = tf.randomNormal([batch, 2]);
        const xt = tf.add(tf.mul(al, x0), tf.mul(sg, eps));
        const ang = tf.mul(tf.expandDims(t, 1), freqs);
        const hs: T[] = [tf.concat([xt, tf.sin(ang), tf.cos(ang)], 1)];
        const zs: T[] = [];
        for (let l = 0; l < 4; l++) {
          const z = tf.add(tf.matMul(hs[l]!, W[l]!), b[l]!);
          zs.push(z);
          hs.push(tf.mul(z, tf.sigmoid(z)));
        }
        const out = tf.add(tf.matMul(hs[4]!, W[4]!), b[4]!);
        const r = tf.sub(out, eps);
        const loss = tf.mean(tf.sum(tf.square(r), 1));
        const grads: TfCore.NamedTensorMap = {};
        const dout = tf.mul(r, 2 / batch);
        grads[W[4]!.name] = tf.matMul(hs[4]!, dout, true, false);
        grads[b[4]!.name] = tf.sum(dout, 0);
        let dh = tf.matMul(dout, W[4]!, false, true);
        for (let l = 3; l >= 0; l--) {
          const s = tf.sigmoid(zs[l]!);
          const dz = tf.mul(dh, tf.add(s, tf.mul(tf.mul(zs[l]!, s), tf.sub(1, s))));
          grads[W[l]!.name] = tf.matMul(hs[l]!, dz, true, false);
          grads[b[l]!.name] = tf.sum(dz, 0);
          if (l > 0) dh = tf.matMul(dz, W[l]!, false, true);
        }
        opt.applyGradients(grads as never);
        return loss;
      });
  }
  try {
    const t = await measure(async () => {
      let loss: T | undefined;
      for (let s = 0; s < steps; s++) {
        loss?.dispose();
        loss = stepFn();
      }
      await loss!.data();
      loss!.dispose();
    }, opts);
    return peerTiming(`tfjs-webgpu ${version} (same adapter)`, t);
  } finally {
    for (const x of vars) x.dispose();
    for (const x of keep) x.dispose();
    opt.dispose();
  }
}

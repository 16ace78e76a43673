import { createEngine } from 'wasserflow';

const out = document.querySelector('#out'); // errors go on the page too (e.g. NoAdapterError without WebGPU)
const engine = await createEngine().catch((e) => { out.textContent = `error: ${e.message}`; throw e; }); // or createEngine({ device })
try {
  const x = await engine.random(2 * 500, { seed: 1, dist: 'normal' }); // 500 points of N(0, I) in 2-D
  const y = x.map((v, i) => (i % 2 === 0 ? v + 1 : v)); // the same cloud moved by (1, 0): W2 = 1
  const { w2, method, iterations } = await engine.w2({ data: x, d: 2 }, { data: y, d: 2 }); // method 'auto'
  out.textContent = `W2 = ${w2.toFixed(4)} (${method}, ${iterations} iterations or pivots)`;
  window.result = { adapter: engine.adapter.description, w2, method, iterations };
} catch (e) { out.textContent = `error: ${e.message}`; throw e; } finally { engine.destroy(); }

import { createEngine } from 'wasserflow';

const engine = await createEngine(); // Node: Dawn (the `webgpu` package) on Vulkan; the adapter `wasserflow info` names
try {
  const x = await engine.random(2 * 500, { seed: 1, dist: 'normal' }); // 500 points of N(0, I) in 2-D
  const y = x.map((v, i) => (i % 2 === 0 ? v + 1 : v)); // the same cloud moved by (1, 0): W2 = 1
  // method 'auto': the exact solver (network simplex) at this size, the GPU Sinkhorn for large clouds
  const { w2, method, iterations } = await engine.w2({ data: x, d: 2 }, { data: y, d: 2 });
  console.log(JSON.stringify({ adapter: engine.adapter.description, w2, method, iterations }));
} finally {
  engine.destroy(); // releases every GPU buffer and the device
}

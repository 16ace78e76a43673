import { createEngine } from 'wasserflow';

const engine = await createEngine(); // Node: Dawn (the `webgpu` package) on Vulkan; SwiftShader by default
try {
  const z = await engine.random(100_000, { seed: 1, dist: 'normal' }); // Philox on the GPU
  const [mean, variance] = await engine.reduce('meanvar', z);
  console.log(JSON.stringify({ adapter: engine.adapter.description, mean, variance }));
} finally {
  engine.destroy(); // releases every GPU buffer and the device
}

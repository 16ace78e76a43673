import { createEngine } from 'wasserflow';

const out = document.querySelector('#out');
const engine = await createEngine(); // navigator.gpu; or createEngine({ device }) to share your GPUDevice
try {
  const z = await engine.random(100_000, { seed: 1, dist: 'normal' }); // Philox on the GPU
  const [mean, variance] = await engine.reduce('meanvar', z);
  out.textContent = `${engine.adapter.description}: mean ${mean.toFixed(4)}, variance ${variance.toFixed(4)}`;
  window.result = { adapter: engine.adapter.description, mean, variance };
} finally {
  engine.destroy();
}

// Update of a small parameter vector θ (P ≤ WG floats, e.g. an affine generator's μ and L) from
// gradients left as G partial sums per parameter (partial[c·G + j], e.g. by flow_gauss_ratio):
//   g_c = inv_n · Σ_j partial[c·G + j];  SGD: θ ← θ − lr·g;  Adam (Kingma & Ba 2015, Alg. 1):
//   m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²,  θ ← θ − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + eps)
// with t = iter + 1; the iteration counter iter[0] is then incremented (it also seeds the next
// iteration's RNG stream). One workgroup; moments holds m (P) then v (P).

override WG: u32 = 64u;
override ADAM: bool = true;

// Bindings (params, partial, theta, moments, iter): ParamUpdateBindings in src/kernels/flow_param_update.ts.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) j: u32) {
  let t = f32(iter[0] + 1u);
  // Every invocation has read iter before invocation 0 increments it.
  workgroupBarrier();
  storageBarrier();
  if (j == 0u) { iter[0] = iter[0] + 1u; }
  let p = params.count;
  if (j >= p) { return; }
  var sum = 0.0;
  for (var k = 0u; k < params.groups; k++) { sum += partial[j * params.groups + k]; }
  let g = params.inv_n * sum;
  if (ADAM) {
    let m = params.beta1 * moments[j] + (1.0 - params.beta1) * g;
    let v = params.beta2 * moments[p + j] + (1.0 - params.beta2) * g * g;
    moments[j] = m;
    moments[p + j] = v;
    let mh = m / (1.0 - pow(params.beta1, t));
    let vh = v / (1.0 - pow(params.beta2, t));
    theta[j] = theta[j] - params.lr * mh / (sqrt(vh) + params.eps);
  } else {
    theta[j] = theta[j] - params.lr * g;
  }
}

/**
 * Entropic optimal transport between point clouds with a streamed log-domain Sinkhorn on the GPU.
 *
 * Problem (cost C(x, y) = |x - y|², so OT_0 = W2²):
 *   OT_ε(α, β) = min_π <π, C> + ε KL(π | a ⊗ b)   over couplings π of a (on X) and b (on Y)
 *             = max_{f,g} <a, f> + <b, g>          at the fixed point of
 *   f_i = -ε log Σ_j b_j exp((g_j - C_ij)/ε),  g_j = -ε log Σ_i a_i exp((f_i - C_ij)/ε),
 * with the plan π_ij = a_i b_j exp((f_i + g_j - C_ij)/ε). The debiased Sinkhorn divergence
 *   S_ε = OT_ε(α, β) - ½ OT_ε(α, α) - ½ OT_ε(β, β) = <a, f - f_aa> + <b, g - g_bb>
 * is the default estimate of W2² (Feydy et al. 2019): its bias is O(ε²) instead of O(ε log 1/ε).
 *
 * Algorithm (after geomloss's sinkhorn_divergence / sinkhorn_loop, with changes measured in
 * bench/sinkhorn.bench.ts), one file per step:
 *  - the clouds are centred first (W2² and OT_ε split exactly into |m_X - m_Y|² plus the centred
 *    problem), which keeps the f32 potentials small for clouds far apart (prepare.ts);
 *  - coarse start (src/transport/multiscale.ts): the clouds binned on a grid of at most 96 cells,
 *    that small problem solved in float64 on the CPU, its potentials extended to every point by one
 *    softmin; the fine annealing starts at the coarse ε (this settles the offsets between separated
 *    clusters, which otherwise stall the final level, and skips the coarse levels of the fine solve; schedule.ts);
 *  - ε-scaling: ε runs from diameter² (or the coarse ε) down to blur² by factors scaling²
 *    (geomloss's epsilon_schedule, schedule.ts); every level iterates to a marginal error of
 *    `levelTol` (1e-2) with the final level's updates before the next starts (with levelTol = Infinity:
 *    `levelIterations` symmetric averaged updates f ← ½(f + T(g)), g ← ½(g + T(f)) per level, geomloss's
 *    fixed schedule). At ε ≪ the squared spacing of the points (blur 0.01 on uniform points in ±3) the
 *    final level converges slowly in float64 too (numpy: 20 000 plain iterations from 1e-2 to 2.7e-4 on
 *    700 points); starting it near its fixed point and over-relaxing is what makes it finish;
 *  - at the final ε, alternating updates with over-relaxation f ← (1-ω) f + ω T(g): ω starts at 1
 *    and is raised towards the SOR optimum ω = 2/(1 + sqrt(1 - θ)) (Lehmann et al. 2021, "A note on
 *    overrelaxation in the Sinkhorn algorithm"), θ the plain rate inferred at every check from the
 *    rate measured at the current ω; (ω - 1) is halved whenever the error grows. On 1500 points of
 *    the tight 4-cluster data against a Gaussian cloud (blur 0.05) this takes the final level from
 *    941 iterations (θ fixed from the first two checks, ω = 1.24) to 151 (ω → 1.9) (relaxation.ts);
 *  - truncation of far pairs for large problems (option `truncate`, src/transport/truncation.ts and
 *    shaders/sinkhorn_softmin_sparse.wgsl): points ordered by a k-d tree, the coarse levels solved
 *    on the tree's leaves by a nested solver, the fine levels block-sparse over the tile pairs whose
 *    bound of C - f - g is under τε (N = 10^4 of the benchmark: 29% of the pairs kept at the final ε;
 *    truncated.ts);
 *  - the L1 marginal error Σ a_i |π1_i/a_i - 1| + Σ b_j |πᵀ1_j/b_j - 1| is written by the softmin
 *    kernel itself and reduced and read every `checkEvery` iterations; nothing else is read until the
 *    end. On hardware adapters the checks are pipelined (option `checks`): the next iterations are
 *    queued while a check's error is read back, and a check that ends a level puts its own snapshot
 *    of the potentials back (solver.ts, checkPipelined); when to stop and what to do between checks
 *    (over-relaxation's save/restore, Anderson's guards) is decided in level.ts (LevelControl). Potentials are two f32 parts (a high part on a grid, a rest: shaders/lib/softmin_finish.wgsl),
 *    so their rounding does not floor it (with one f32 each it did, at Σ a_i ulp(f_i)/ε: ~1e-3 at
 *    blur 0.01 in ±3); the floor left is each row's f32 sum, ~4·2^-24·(√m + 16), and a stored cost's
 *    rounding (level.ts, marginalFloor); a run that stalls under it (at most 1e-2) is converged and
 *    says so (`marginalFloor`).
 *
 * The solver itself (solver.ts) reads prepare → start → anneal → final ε → result; the level's decisions
 * are in level.ts, the checks' readback in marginal_errors.ts, Anderson's GPU state in anderson.ts, the plan moments (gradient,
 * linear cost) in moments.ts; its options and
 * their defaults are filled once in options.ts (`resolveSinkhorn`, `SINKHORN_DEFAULTS`); the task
 * tables of the softmin kernels are named for the update they perform (tables.ts); the results are
 * assembled in result.ts.
 */
export { SinkhornSolver, sinkhorn, sinkhornBatch, type SinkhornShape } from './solver.js';
export { resolveSinkhorn, SINKHORN_DEFAULTS, TRUNCATE_TAU, TRUNCATE_MIN_PAIRS, type SinkhornOptions, type ResolvedSinkhorn } from './options.js';
export { epsilonSchedule } from './schedule.js';
export { bboxDiagonal } from './prepare.js';
export { W2SQ_ZERO_TOL, type SinkhornResult } from './result.js';
export type { Cloud } from '../input.js';

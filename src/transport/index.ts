/** Transport: W2 between (weighted) point clouds (exact OT by the network simplex, GPU Sinkhorn, 1-D exact, sliced W2). */
export { sinkhorn, sinkhornBatch, SinkhornSolver, epsilonSchedule, resolveSinkhorn, SINKHORN_DEFAULTS, type SinkhornOptions, type SinkhornResult, type SinkhornShape } from './sinkhorn/index.js';
export { w2, W2_METHODS, SLICED_DEFAULTS, chooseMethod, AUTO_EXACT_MAX_PAIRS_GPU, AUTO_EXACT_MAX_PAIRS_SOFTWARE, ASSIGNMENT_MAX_POINTS, type W2Method, type W2Options, type W2Result } from './w2.js';
export { exactOT, networkSimplex, EXACT_MAX_PAIRS, type ExactOtResult, type SparsePlan, type NetworkSimplexOptions } from './network_simplex.js';
export { sqEuclideanCost } from './ot_cost.js';
export { w2sqExact1d, exactAssignment, slicedW2sq, slicedDirections, EXACT_MAX_POINTS, type AssignmentResult } from './exact.js';
export { type CloudLike, MAX_POINTS as TRANSPORT_MAX_POINTS } from './input.js';
export type { WeightedPointCloud } from '../gpu/points.js';
export { SinkhornSoftmin } from '../kernels/sinkhorn_softmin.js';
export { SinkhornPlanMoments } from '../kernels/sinkhorn_plan_moments.js';
export { SinkhornSoftminSparse } from '../kernels/sinkhorn_softmin_sparse.js';

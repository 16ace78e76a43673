/// <reference types="@webgpu/types" preserve="true" />
/**
 * wasserflow — public entry point. See README.md for examples.
 */
export { GpuContext, type AdapterReport, type ContextOptions } from './gpu/context.js';
export { GpuTimer } from './gpu/timing.js';
export {
  WasserflowError,
  NoAdapterError,
  DeviceLostError,
  GpuValidationError,
  ShaderCompileError,
  InputError,
  CancelledError,
} from './gpu/errors.js';
export { Reduce, ReducePlan, type ReduceOp } from './kernels/reduce.js';
export { RngFill, type Distribution } from './kernels/rng_fill.js';
export { philox4x32, rngFillCpu } from './rng/philox.js';
export * from './model/layout.js';
export {
  VpLinear, SubVp, VpCosine, DdpmSigmoid, Ve, Heat, makeProcess, processTable, TABLE_COL, TABLE_STRIDE,
  type ForwardProcess, type ProcessKind, type ProcessSpec, type ProcessTable,
} from './processes/process.js';
export { type ProgressEvent, type RunOptions, throwIfAborted, abortable, reportProgress } from './gpu/run.js';
export * from './gpu/validate.js';
export { prepareMixture, packMixture, packMixtureNd, parseMixtureJson, mixtureScore64, MIXTURE_MAX_DIM, type MixtureDescription, type PreparedMixture } from './scores/mixture.js';
export { MixtureScore } from './kernels/mixture_score.js';
export {
  createEngine, Engine, TrainingSession,
  type EngineOptions, type RandomOptions, type ReduceOptions, type TrainingData, type TrainingOptions, type LipschitzOptions, type LipschitzSupremumOptions, type BoundOptions, type BoundReport,
  type EngineSampleOptions, type SampleResult, TRAIN_DEFAULTS, SINKHORN_DEFAULTS, resolveSinkhorn, SLICED_DEFAULTS, SAMPLER_DEFAULTS, hostW2,
} from './api/engine.js';
export * from './bound/bound.js';
export * from './lipschitz/exact.js';
export * from './lipschitz/certified.js';
export { mixtureScoreSupremum, MixtureHessian, unboundedDirection, type MixtureSupremum, type MixtureSupremumOptions } from './lipschitz/mixture_sup.js';
export { certifyBox, boxBound, NetworkAtTime, type Certificate, type CertifyOptions, type CertifyTime } from './lipschitz/certify.js';
export { networkLs, type NetworkLsOptions, type NetworkLsRow } from './lipschitz/network_ls.js';
export { networkSupremum, defaultRegion, CERTIFY_MAX_DIM, type NetworkSupOptions, type NetworkSupReport, type NetworkSupRow, type SupremumPhase } from './lipschitz/network_sup.js';
export { paperEstimate, paperGrid } from './lipschitz/paper.js';
export { LipschitzEstimator, LOWER_ESTIMATE_NOTE, type LipschitzCurve, type LipschitzCurveOptions, type LipschitzMethod } from './lipschitz/estimator.js';
export { packTimes, type TangentTime, type PointSource } from './kernels/mlp_tangent.js';
export { PairwiseLipschitz } from './kernels/pairwise_lipschitz.js';
export { ReverseSampler, sample, SAMPLER_KINDS, FUSED_MAX_WIDTH, type SamplerKind, type SamplerOptions, type SampleRunOptions, type ScoreSource, type SamplerPath, type ReverseKernelKind } from './samplers/sampler.js';
export { uniformGrid, samplerTable, embedIndex } from './processes/grid.js';
export { ForwardSampler, forwardMarginal, MAX_SAMPLER_DIM, type ForwardSamplerOptions } from './samplers/forward.js';
export { type NetworkScore } from './model/network.js';
export { Mlp, MlpBatchPlan, type MlpKernelChoice, type MlpOptions } from './train/mlp.js';
export type { LayerKernelVariant } from './kernels/mlp_forward.js';
export type { GradsVariant } from './kernels/mlp_grads.js';
export { workspaceLayout, type Workspace } from './model/workspace.js';
export type { InitScheme } from './kernels/mlp_init.js';
export { Trainer, type TrainConfig, type LossPoint } from './train/trainer.js';
export { parseCheckpoint, checkpointWeights, crc32, processSpecOf, CHECKPOINT_VERSION, type CheckpointHeader, type ParsedCheckpoint } from './train/checkpoint.js';
export type { PointCloud, WeightedPointCloud } from './gpu/points.js';
export { dsmCoefficients, WEIGHTINGS, type Weighting, type CoefficientTable } from './train/coefficients.js';
export { dsmOptimum, type DsmOptimum } from './train/optimum.js';
export { dsmHeldOut, mlpForward64, type HeldOutLoss, type HeldOutStep } from './train/heldout.js';
export { parseCsv } from './data/csv.js';
export { parseIdx, readIdx, gunzip, isGzip, type IdxArray, type IdxType } from './data/idx.js';
export { makeDataset, makeMixtureDataset, datasetMixture, uploadPoints, DATASETS, DATASET_DIM, type Dataset, type DatasetName } from './data/datasets.js';
export { runFlow, momentW2, exactW2OneD, type FlowRunner, type FlowPoint, type FlowKind, type FlowRunOptions } from './flows/flow.js';
export { GaussianMonoFlow, type GaussianMonoFlowOptions, type AffineGenerator } from './flows/monoflow_gaussian.js';
export { brownianBridge, schrodingerBridge, heatFlow, vpFlow, heatLaw, vpLaw, SdeFlow, type BridgeOptions, type SchrodingerOptions, type DiffusionOptions } from './flows/sde_flows.js';
export { gaussian as gaussianLaw, w2sqGaussian, klGaussian, entropicCrossCov, schrodingerMarginal, rectifiedGaussianMap, rectifiedGaussianVelocity, type Gaussian } from './flows/gaussian.js';
export { flowPlot, flowFigure } from './flows/plot.js';
export { renderSvg, type SvgOptions } from './plot/svg.js';
export { histogram, layoutFigure, PALETTE, type FigureSpec, type FigureSeries, type FigureAxis, type Layout } from './plot/figure.js';
export { MONO_H, type MonoH } from './kernels/flow_gauss_ratio.js';
export { scoreMatchingErrors, type ScoreErrorOptions, type ScoreErrors } from './bound/score_error.js';
export { RectifiedFlow, VelocityOdeFlow, type RectifiedOptions, type RectifiedLossPoint, type OdeMethod } from './flows/rectified.js';
export { ParticleMonoFlow, type MonoFlowOptions } from './flows/monoflow.js';
export { GeneratorMonoFlow, GENERATOR_LOSSES, type GeneratorMonoFlowOptions, type GeneratorLoss } from './flows/monoflow_generator.js';
export { FlowDiscriminator, type DiscriminatorOptions } from './flows/discriminator.js';
export { FlowW2, DEFAULT_FLOW_BLUR, type W2Estimator, type FlowW2Options, type W2Measurement } from './flows/w2_measure.js';
export * from './transport/index.js';

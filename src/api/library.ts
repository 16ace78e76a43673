/**
 * What the front ends (src/cli, src/app) and embedders name and read before and after they call the
 * engine (src/api/engine.ts), gathered in one place so that a front end imports only src/api: the
 * errors, the file formats (CSV clouds, mixture JSON, checkpoints), the forward processes, the built-in
 * datasets and their mixtures, the choices the entry points take (samplers, activations, weightings),
 * and the float64 host computations printed beside the engine's results (the bound's terms, exact
 * L_s of mixtures, certified bounds). Nothing here holds a GPU resource: everything on the GPU goes
 * through an Engine.
 */
export { WasserflowError, InputError, CancelledError, NoAdapterError } from '../gpu/errors.js';
export { parseCsv } from '../data/csv.js';
export { DATASETS, DATASET_DIM, datasetMixture, type DatasetName } from '../data/datasets.js';
export { makeProcess, DdpmSigmoid, type ForwardProcess, type ProcessKind, type ProcessSpec } from '../processes/process.js';
export { embedIndex } from '../processes/grid.js';
export { parseMixtureJson, type MixtureDescription } from '../scores/mixture.js';
export { SAMPLER_KINDS, type SamplerKind, type ScoreSource } from '../samplers/sampler.js';
export { checkpointWeights, crc32, parseCheckpoint, type ParsedCheckpoint } from '../train/checkpoint.js';
export { loadFashionMnist, parseClasses, parseFashionName } from '../data/fashion.js';
export { ACTIVATIONS, MAX_DIM, MAX_WIDTH, OUTPUT_KINDS, mlpLayout, type Activation, type MlpSpec, type OutputKind, type TimeConditioning } from '../model/layout.js';
export { WEIGHTINGS, type Weighting } from '../train/coefficients.js';
export type { LossPoint, TrainConfig } from '../train/trainer.js';
export { boundGrid, corollaryBound, discreteBound, type Dynamics } from '../bound/bound.js';
export { rngFillCpu } from '../rng/philox.js';
export { certifiedUpperBound } from '../lipschitz/certified.js';
export { MixtureMarginal } from '../lipschitz/exact.js';
export { mixtureScoreSupremum } from '../lipschitz/mixture_sup.js';
export { networkLs } from '../lipschitz/network_ls.js';
export { CERTIFY_MAX_DIM, defaultRegion, noisedSamples, type SupremumPhase } from '../lipschitz/network_sup.js';
export { toGaussianMixture } from '../bound/monitor.js';

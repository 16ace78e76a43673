/**
 * The layers of wasserflow, bottom first. A module may import its own layer and the layers below
 * it, never one above (test/layers.test.ts runs dependency-cruiser with this file). Folders on the
 * same line are siblings: they may import each other as long as no cycle forms.
 */
const LAYERS = [
  ['src/linalg', 'src/rng', 'src/plot'], //         float64 maths, the CPU twin of the RNG, figures (SVG)
  ['src/gpu', 'shaders'], //                        device, buffers, pipelines, bindings, run options
  ['src/processes', 'src/scores', 'src/model'], //   host descriptions: SDEs, mixtures, network layout
  ['src/kernels'], //                                one owner per shader
  ['src/train', 'src/samplers', 'src/transport', 'src/lipschitz', 'src/data'],
  ['src/bound'], //                                  the W2 bound and its live monitor
  ['src/flows', 'src/experiments'],
  ['src/api'], //                                    the engine: the library's entry points
  // bench/ sits below the front ends on purpose: the benchmark suite is a feature users run
  // (`wasserflow bench`, the page's Benchmarks tab), so src/cli/commands/bench.ts and
  // src/app/bench_tab.ts import bench/suite and bench/run_node; bench/ itself may import only the
  // library below it (src/api and lower), never a front end.
  ['bench'],
  ['src/cli', 'src/app', 'src/index\\.ts'], //       front ends
];

/**
 * The front ends (the CLI and the page) are built on the library's entry points: they import src/api
 * (the engine, its defaults and choices, and src/api/library.ts: errors, file formats, processes,
 * dataset names, float64 host computations) and nothing else of src/ but two exceptions:
 *   - src/plot: figures (SVG layout and rendering, the palette, PNG/JSON companions) are
 *     front-end-neutral drawing at the bottom layer, with no GPU and no engine state; the page draws
 *     its live plots with it and the CLI writes its figures with it.
 *   - bench/: the benchmark suite is a feature users run (see LAYERS above).
 */
const FRONT_ENDS = ['src/cli', 'src/app'];
const FRONT_ENDS_MAY_IMPORT = ['src/api', 'src/plot', 'bench'];

const esc = (p) => `^${p}(/|$)`;
const above = (i) => LAYERS.slice(i + 1).flat().map(esc).join('|');

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${i}-imports-up`,
      comment: `${layer.join(', ')} may only import layers 0..${i} (see LAYERS in .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: layer.map(esc).join('|') },
      to: { path: above(i) },
    })),
    {
      name: 'front-ends-through-the-engine',
      comment:
        'the CLI and the page import only the engine (src/api: entry points, defaults, choices, src/api/library.ts) and src/plot, bench/ (see FRONT_ENDS_MAY_IMPORT in .dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: FRONT_ENDS.map(esc).join('|') },
      to: { path: '^src/', pathNot: [...FRONT_ENDS, ...FRONT_ENDS_MAY_IMPORT].map(esc).join('|') },
    },
    {
      name: 'no-unresolvable',
      comment: 'every relative import names a file that exists',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^(node:|webgpu$|vite/client$|@webgpu/types$)' },
    },
    {
      name: 'no-circular',
      comment: 'modules must not import each other in a loop',
      severity: 'error',
      from: { path: '^(src|bench)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.wgsl'] },
  },
};

// For test/layers.test.ts (which checks that every folder of src/ is in a layer); not a config key.
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
Object.defineProperty(module.exports, 'FRONT_ENDS', { value: FRONT_ENDS, enumerable: false });
Object.defineProperty(module.exports, 'FRONT_ENDS_MAY_IMPORT', { value: FRONT_ENDS_MAY_IMPORT, enumerable: false });

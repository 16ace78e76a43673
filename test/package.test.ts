// The package as consumers get it: `npm pack` the built repo, install the tarball OFFLINE into fresh
// copies of examples/node and examples/browser (their other dependencies are linked from this
// repo's node_modules, so no registry is needed), then run the Node script (a real kernel on
// SwiftShader), type-check a strict TypeScript consumer against the shipped declarations, and
// build the Vite app and run it in headless Chromium (a real kernel on WebGPU).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic } from './browser/launch.js';

const run = promisify(execFile);
const REPO = resolve('.');
const MODULES = realpathSync(join(REPO, 'node_modules'));

/** The environment for child npm/node: without the npm_* variables of the `npm test` around us. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') || k === 'npm_config_cache') env[k] = v;
  return env;
}

describe('README examples', () => {
  it('are exactly the example apps that the tests below install and run', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const f of ['examples/node/index.js', 'examples/browser/main.js']) {
      const src = readFileSync(join(REPO, f), 'utf8').trimEnd();
      expect(readme.includes('```js\n' + src + '\n```'), `${f} is not in README.md verbatim`).toBe(true);
      expect(src.split('\n').length).toBeLessThanOrEqual(12);
    }
  });

  it('install wasserflow from this checkout (no registry has it), and the README says how', () => {
    for (const name of ['node', 'browser']) {
      const pkg = JSON.parse(readFileSync(join(REPO, 'examples', name, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      const spec = pkg.dependencies.wasserflow!;
      expect(spec.startsWith('file:'), `examples/${name}: ${spec}`).toBe(true);
      const target = resolve(REPO, 'examples', name, spec.slice('file:'.length));
      expect((JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { name: string }).name).toBe('wasserflow');
    }
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('npm pack');
    expect(readme).not.toMatch(/npm install wasserflow\b/);
  });
});

describe('npm package in fresh apps', () => {
  let tmp: string;
  let tarball: string;

  /** Copy examples/<name> to tmp and install the tarball there, offline, with linked peers. */
  async function install(name: string, links: string[]): Promise<string> {
    const dir = join(tmp, name);
    cpSync(join(REPO, 'examples', name), dir, { recursive: true });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const link = (dep: string) => `file:${join(MODULES, dep)}`;
    for (const field of ['dependencies', 'devDependencies']) {
      for (const dep of Object.keys(pkg[field] ?? {})) pkg[field]![dep] = dep === 'wasserflow' ? `file:${tarball}` : link(dep);
    }
    // wasserflow's own dependencies, linked too so that nothing comes from a registry.
    for (const dep of links) pkg.dependencies![dep] = link(dep);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, env: childEnv() });
    // The tarball was unpacked (not linked to the repo).
    expect(existsSync(join(dir, 'node_modules/wasserflow/dist/lib/browser.js'))).toBe(true);
    expect(realpathSync(join(dir, 'node_modules/wasserflow')).startsWith(REPO)).toBe(false);
    return dir;
  }

  beforeAll(async () => {
    for (const f of ['index.js', 'browser.js', 'index.d.ts']) {
      if (!existsSync(join(REPO, 'dist/lib', f))) throw new Error(`dist/lib/${f} missing: run 'npm run build' (npm test does)`);
    }
    tmp = mkdtempSync(join(tmpdir(), 'wasserflow-pack-'));
    // --ignore-scripts: npm test has just built dist; `prepare` would rebuild it under the other tests.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: REPO, env: childEnv() });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(tmp, info!.filename);
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/browser.js', 'dist/lib/index.d.ts', 'dist/lib/api/engine.d.ts']));
    // Consumers get built code only: no TypeScript sources, tests or the page build.
    expect(files.filter((f) => /^(src|test|dist\/web)\//.test(f))).toEqual([]);
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const DEPS = ['wgsl-preprocessor', '@webgpu/types'];

  it('installs into a Node script that runs a real kernel; its CLI runs; a strict TS consumer type-checks', async () => {
    const dir = await install('node', DEPS);
    const { stdout } = await run('node', ['index.js'], { cwd: dir, env: childEnv() });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { adapter: string; w2: number; method: string; iterations: number };
    expect(out.adapter.length).toBeGreaterThan(0);
    // A cloud and its translate by (1, 0): W2 = |v| = 1 (the identity coupling is optimal). 500 × 500
    // points: 'auto' runs the exact solver, whose float64 answer from f32 points is 1 to ~1e-7; 1e-3
    // also covers the debiased Sinkhorn divergence (|v|² at every ε, stopped at a 1e-4 marginal error).
    expect(out.method).toBe('exact');
    expect(out.w2).toBeAllclose(1, { rtol: 1e-3 });
    expect(out.iterations).toBeGreaterThan(0);

    // The `wasserflow` command from the installed package (bin → dist/lib/cli.js).
    const info = await run(join(dir, 'node_modules/.bin/wasserflow'), ['info', '--json'], { cwd: dir, env: childEnv() });
    expect((JSON.parse(info.stdout) as { limits: Record<string, number> }).limits.maxStorageBufferBindingSize).toBeGreaterThan(0);

    // The shipped .d.ts files compile for a strict consumer without skipLibCheck (no vite/client,
    // no `?raw` modules, WebGPU types through @webgpu/types).
    writeFileSync(
      join(dir, 'check.ts'),
      [
        "import { createEngine, InputError, type Engine, type ProgressEvent, type RunOptions } from 'wasserflow';",
        'const engine: Engine = await createEngine();',
        'const opts: RunOptions = { onProgress: (e: ProgressEvent) => console.log(e.stage, e.done, e.total) };',
        "const sums: Float64Array = await engine.reduce('sum', [1, 2, 3], opts);",
        "if (sums[0] !== 6) throw new InputError('unexpected sum');",
        'engine.destroy();',
      ].join('\n'),
    );
    const tsc = join(MODULES, 'typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', '--skipLibCheck', 'false', 'check.ts'];
    const res = await run('node', [tsc, ...args], { cwd: dir }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(res.stdout).toBe('');
  });

  it('builds into a Vite app with no Node-only code, which runs a real kernel in headless Chromium', async () => {
    const dir = await install('browser', DEPS);
    const build = await run('node', [join(dir, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: dir, env: childEnv() });
    // No "Module 'node:fs' has been externalized for browser compatibility" or unresolved imports.
    expect(`${build.stdout}\n${build.stderr}`).not.toMatch(/externalized|could not be resolved|failed to resolve/i);
    const assets = readdirSync(join(dir, 'dist/assets')).filter((f) => f.endsWith('.js'));
    for (const f of assets) {
      const js = readFileSync(join(dir, 'dist/assets', f), 'utf8');
      expect(js).not.toMatch(/node:fs|from ?["']webgpu["']|vk_swiftshader/);
    }
    const server = await serveStatic(join(dir, 'dist'));
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(server.url);
      await page.waitForFunction('window.result !== undefined || document.querySelector("#out").textContent !== "running…"', { timeout: 90_000 });
      const result = (await page.evaluate('window.result')) as { adapter: string; w2: number; iterations: number } | undefined;
      expect(errors).toEqual([]);
      expect(result).toBeDefined();
      // Same oracle as the Node example (W2 = 1 exactly for a translate by (1, 0)).
      expect(result!.w2).toBeAllclose(1, { rtol: 1e-3 });
      expect(await page.$eval('#out', (el) => el.textContent)).toContain('W2 =');
      await page.close();

      // Without WebGPU the example says so on the page instead of waiting on "running…".
      const bare = await chromium.browser.newPage();
      await bare.evaluateOnNewDocument('Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined })');
      await bare.goto(server.url);
      await bare.waitForFunction('document.querySelector("#out").textContent !== "running…"', { timeout: 30_000 });
      expect(await bare.$eval('#out', (el) => el.textContent)).toMatch(/^error: WebGPU is not available/);
      await bare.close();
    } finally {
      await chromium.close();
      await server.close();
    }
  });
});

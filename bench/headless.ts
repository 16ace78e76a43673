/**
 * `npm run bench:headless`: the benchmark suite inside the page, in Debian's Chromium with WebGPU on
 * SwiftShader (flags from DESIGN.md, test/browser/launch.ts), the built page (dist/web) served on
 * 127.0.0.1. The page runs every bench/*.bench.ts in its benchmark tab; the Python peers run here,
 * in Node, on the page's behalf (exposed as `window.__wasserflowPeer`), in the same session.
 * Writes bench/results/latest-chromium.{json,md}. Exits non-zero if the page fails to load, logs an
 * error, finds no adapter, or a benchmark fails.
 *
 * usage: node dist/bench/headless.js [--quick] [--filter ID [--update]] [--no-peers] [--out DIR] [--name latest-chromium]
 * (--adapter is not used: the page takes the browser's adapter)
 */
import { existsSync } from 'node:fs';
import { launchChromium, serveStatic } from '../test/browser/launch.js';
import { runPythonPeer } from './peers/python.js';
import { ROOT, runnerArgs, writeReport } from './report.js';
import { adapterLine, toMarkdown, type BenchReport } from './suite.js';

async function main(): Promise<number> {
  const args = runnerArgs('latest-chromium');
  const web = `${ROOT}dist/web`;
  if (!existsSync(`${web}/index.html`)) throw new Error(`${web}/index.html is missing: run 'npx vite build' first (npm run bench:headless does)`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const errors: string[] = [];
  const server = await serveStatic(web);
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
      else if (m.type() === 'log') log(`  page: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.exposeFunction('__wasserflowPeer', async (script: string, argsJson: string) =>
      JSON.stringify(await runPythonPeer(`${ROOT}bench/peers`, script, JSON.parse(argsJson) as Record<string, unknown>, log)),
    );
    await page.goto(`${server.url}#bench`);
    // Wait until the page has finished starting (self-check included), so nothing else runs on the
    // adapter while the suite is timed.
    await page.waitForFunction('window.__wasserflow && window.__wasserflow.ready', { timeout: 300_000 });
    const st = (await page.evaluate('({ error: window.__wasserflow.error, adapter: window.__wasserflow.adapter })')) as { error?: string; adapter?: BenchReport['adapter'] };
    if (st.error || !st.adapter) {
      log(`the page found no WebGPU adapter: ${st.error ?? 'no adapter'}`);
      return 1;
    }
    log(`adapter (page): ${adapterLine(st.adapter)}`);
    const opts = { quick: args.quick, noPeers: args.noPeers, ...(args.filter ? { filter: args.filter } : {}) };
    const report = (await page.evaluate(`window.__wasserflowBench.run(${JSON.stringify(opts)})`)) as BenchReport;
    const files = writeReport(args.out, report, args.name, args.update);
    process.stdout.write(toMarkdown(files.report));
    log(`wrote ${files.json} and ${files.md}`);
    for (const e of errors) log(e);
    if (errors.length) log(`FAILED: the page logged ${errors.length} error(s)`);
    if (report.failures.length) log(`FAILED: ${report.failures.length} benchmark(s) failed`);
    return errors.length || report.failures.length ? 1 : 0;
  } finally {
    await chromium.close();
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

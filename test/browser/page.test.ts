// The built page (dist/web) in headless Chromium: it acquires a WebGPU adapter and runs real
// kernels (the runtime self-check) correctly, with no console errors.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveStatic } from './launch.js';

const WEB = 'dist/web';

describe('page in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    if (!existsSync(`${WEB}/index.html`)) throw new Error(`${WEB}/index.html missing: run 'npx vite build' (npm test does)`);
    server = await serveStatic(WEB);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('finds an adapter and runs the self-check kernels correctly', async () => {
    const page = await chromium.browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction('window.__wasserflow && window.__wasserflow.ready', { timeout: 120_000 });
    const state = (await page.evaluate('window.__wasserflow')) as {
      error?: string;
      adapter?: { isSoftware: boolean };
      checks?: { name: string; ok: boolean; detail: string }[];
    };
    expect(state.error).toBeUndefined();
    expect(state.adapter).toBeDefined();
    expect(state.checks?.length).toBeGreaterThanOrEqual(4);
    for (const c of state.checks ?? []) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

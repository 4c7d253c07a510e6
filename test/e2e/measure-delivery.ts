/**
 * Measures what the explorer's first screen costs to deliver: every response's bytes on the wire
 * (Chromium's encodedDataLength) and its uncompressed size, and the time to the first prediction on
 * a throttled connection (Chromium's network emulation, as DevTools' presets), and when the pad
 * first shows ink (the opening example; builds without one never do, and wait out the model). Not a test:
 *   npx tsx test/e2e/measure-delivery.ts [--web DIR] [--server MODULE] [--kbps 1600] [--rtt 150]
 * --server loads startServer from another checkout (an older commit) to compare before and after.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { launchChromium } from './browser.js';
import type { ServerOptions, RunningServer } from '../../src/server/server.js';

const { values } = parseArgs({
  options: { web: { type: 'string' }, server: { type: 'string' }, kbps: { type: 'string', default: '1600' }, rtt: { type: 'string', default: '150' }, runs: { type: 'string', default: '1' } },
});
const serverModule = values.server ? pathToFileURL(resolve(values.server)).href : '../../src/server/server.js';
const { startServer } = (await import(serverModule)) as { startServer: (o: ServerOptions) => Promise<RunningServer> };
const server = await startServer({ port: 0, log: () => {}, ...(values.web ? { webDir: resolve(values.web) } : {}) });
const browser = await launchChromium();
const kbps = Number(values.kbps);
try {
  for (let run = 0; run < Number(values.runs); run++) {
    for (const throttled of [false, true]) {
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      if (throttled) {
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: Number(values.rtt), downloadThroughput: (kbps * 1000) / 8, uploadThroughput: (750 * 1000) / 8 });
      }
      const urls = new Map<string, string>();
      const sizes = new Map<string, { wire: number; body: number }>();
      cdp.on('Network.responseReceived', (e: { requestId: string; response: { url: string } }) => urls.set(e.requestId, e.response.url));
      cdp.on('Network.dataReceived', (e: { requestId: string; dataLength: number }) => {
        const s = sizes.get(e.requestId) ?? { wire: 0, body: 0 };
        s.body += e.dataLength;
        sizes.set(e.requestId, s);
      });
      cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
        const s = sizes.get(e.requestId) ?? { wire: 0, body: 0 };
        s.wire = e.encodedDataLength;
        sizes.set(e.requestId, s);
      });
      const t0 = Date.now();
      await page.goto(`${server.url}?model=lenet`);
      const html = Date.now() - t0;
      // the pad's example shows once the app has mounted, before the model file has arrived
      await page.waitForFunction(() => {
        const c = document.querySelector('[data-testid="drawpad"]') as HTMLCanvasElement | null;
        const d = c?.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
        return d !== undefined && d.some((v, i) => i % 4 === 0 && v > 128);
      }, null, { timeout: 30_000, polling: 50 }).catch(() => null);
      const ink = Date.now() - t0;
      await page.waitForFunction(() => window.__convscope?.ready === true, null, { timeout: 120_000, polling: 50 });
      const ready = Date.now() - t0;
      await page.waitForTimeout(500);
      const rows = [...sizes].map(([id, s]) => ({ url: (urls.get(id) ?? id).replace(server.url, '/'), ...s }));
      const total = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).reduce((a, r) => ({ wire: a.wire + r.wire, body: a.body + r.body }), { wire: 0, body: 0 });
      const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
      console.log(`\n${throttled ? `throttled ${kbps} kbit/s, ${values.rtt} ms RTT` : 'unthrottled'}: document ${html} ms, ink on the pad ${ink} ms, model loaded and first prediction drawn ${ready} ms`);
      if (!throttled) {
        for (const r of rows.sort((a, b) => b.body - a.body)) console.log(`  ${r.url.slice(0, 60).padEnd(60)} ${kb(r.wire).padStart(10)} on the wire, ${kb(r.body).padStart(10)} uncompressed`);
        const app = total((r) => !r.url.includes('/models/'));
        const all = total(() => true);
        console.log(`  app (everything but the model file): ${kb(app.wire)} on the wire, ${kb(app.body)} uncompressed; with the model file ${kb(all.wire)} / ${kb(all.body)}`);
      }
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}

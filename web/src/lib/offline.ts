/**
 * Registers the service worker (web/public/sw.js) that lets the explorer reload and work while
 * the local server is down, and, once a model has loaded, tells it which of the page's resources
 * to keep. Harmless under the dev server: it keeps only the page, /assets/, /models/ and
 * /api/models, and always asks the server first.
 * Offline readiness is recorded for the end-to-end tests (window.__convscope.offline).
 */
import { latencyLog } from './latency.js';

export function registerOffline(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch(() => {
    // no service worker (a private window, a policy): the explorer works online all the same
  });
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent<unknown>) => {
    const d = e.data as { type?: string; urls?: unknown } | null;
    if (d?.type === 'kept' && Array.isArray(d.urls)) latencyLog().offline = d.urls.filter((u): u is string => typeof u === 'string');
  });
}

/** Asks the service worker to keep every same-origin resource the page has loaded so far. */
export function keepForOffline(): void {
  if (!('serviceWorker' in navigator)) return;
  const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)].filter((u) => u.startsWith(location.origin));
  void navigator.serviceWorker.ready.then((reg) => reg.active?.postMessage({ type: 'keep', urls }));
}

/**
 * The explorer's service worker: keeps what the page needs (the app shell, its hashed scripts and
 * styles, /api/models and the model files the page has loaded) so that the page reloads and
 * works when the local convscope server is not running. It always asks the server first, so a
 * running server's answers (a retrained model, a new build) win; the copies answer only when the
 * server cannot. Hashed assets never change, so they are served from the copy directly. The page
 * tells it what to keep (main.ts: every same-origin resource it loaded), and copies of assets the
 * current build no longer uses are dropped then. The gallery, the map and uploads need the server.
 */
const CACHE = 'convscope-offline-v1';

/** What may be copied: same-origin GETs of the page, its assets, the model list and model files. */
function keepable(url) {
  const u = new URL(url);
  if (u.origin !== self.location.origin) return false;
  return u.pathname === '/' || u.pathname === '/index.html' || u.pathname.startsWith('/assets/') || u.pathname.startsWith('/models/') || u.pathname === '/api/models';
}

/** The copy's key: the page under '/', whatever its query (the settings live there). */
function keyOf(url) {
  const u = new URL(url);
  return u.pathname === '/' || u.pathname === '/index.html' ? new URL('/', u).href : u.origin + u.pathname;
}

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'keep' || !Array.isArray(data.urls)) return;
  const urls = [...new Set(data.urls.filter((x) => typeof x === 'string' && keepable(x)).map(keyOf))];
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of urls) {
        // the page and the model list are small and refreshed, so an offline reload after an
        // upgrade finds the new page and the assets it names; assets never change and model
        // files are large, so a copy already kept stays
        const path = new URL(url).pathname;
        if (path !== '/' && path !== '/api/models' && (await cache.match(url))) continue;
        const res = await fetch(url).catch(() => null);
        if (res && res.ok) await cache.put(url, res);
      }
      // the previous builds' assets: nobody asks for them any more
      for (const req of await cache.keys()) {
        if (new URL(req.url).pathname.startsWith('/assets/') && !urls.includes(req.url)) await cache.delete(req);
      }
      event.source?.postMessage({ type: 'kept', urls });
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || !keepable(req.url)) return;
  const key = keyOf(req.url);
  if (new URL(req.url).pathname.startsWith('/assets/')) {
    event.respondWith(caches.match(key).then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(
    fetch(req).catch(async (e) => {
      const hit = await caches.match(key);
      if (hit) return hit;
      throw e;
    }),
  );
});

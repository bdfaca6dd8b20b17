// The validator works offline: this service worker keeps the built files (Trunk's dist/,
// stable names since Trunk.toml sets filehash = false) in one cache and answers the page's
// requests for them from it. Nothing else is touched: the API, embed.json and every other
// URL go to the network as if there were no service worker. Both pages are kept: the
// console (index.html, "./") and the validator-only page ("validator/", which registers
// this same worker one folder up, so one scope covers both). The Excel workbook reader
// (esim-workbook*, a Web Worker module that the pages start only when a workbook is opened) is kept
// too, so a workbook also converts offline: the pages do not load it before it is needed,
// this worker fetches it with the rest, in the background.
//
// Updates: every page load is answered from the cache at once. Once the page has started
// (after its load event and its first API reads, when the browser is idle: src/browser.rs,
// keep_offline) it asks this worker to refresh the set in the background: each file is
// revalidated with the server and only the changed ones are fetched again; the new build
// is used from the next load. The set is replaced only when every file was fetched, so
// index.html (whose integrity hashes name the module and the wasm) never meets a module of
// another build.
// tests/e2e.rs checks that FILES lists every file of dist/.
//
// Start-up (issue 11): while a page starts, this worker only answers the page's own files
// from its cache. It is registered, and the set refreshed, only after the page's load (a
// refresh at every navigation used to replace the cached wasm while the page compiled it,
// and competed with the page's first requests); and every other request (the API, Graph,
// auth.json, embed.json) goes straight to the network without this worker's fetch handler
// where the browser has static routing (Chromium's `addRoutes`; a 10,000-device pool's
// table reads 100 pages). Elsewhere the fetch handler lets them pass untouched.
const CACHE = "esim-console-app";
const FILES = [
  "./",
  "esim-console.js",
  "esim-console_bg.wasm",
  "main.css",
  "theme.css",
  "validator/",
  "validator/esim-validator.js",
  "validator/esim-validator_bg.wasm",
  "validator/main.css",
  "validator/theme.css",
  "esim-workbook_loader.js",
  "esim-workbook.js",
  "esim-workbook_bg.wasm",
];

const scope = () => new URL(self.registration.scope);
const urls = () => FILES.map((file) => new URL(file, scope()).href);

// A response the cache holds already (the same validator from the server: ETag, or
// Last-Modified and length): its body need not be read and stored again.
function same(kept, fresh) {
  if (!kept) return false;
  const header = (name) => [kept.headers.get(name), fresh.headers.get(name)];
  const [etag, freshEtag] = header("etag");
  if (etag || freshEtag) return etag === freshEtag;
  const [modified, freshModified] = header("last-modified");
  const [length, freshLength] = header("content-length");
  return !!modified && modified === freshModified && length === freshLength;
}

// Revalidates every file and stores the set only when all arrived (only the changed
// files' bodies are read and stored).
async function refresh() {
  const cache = await caches.open(CACHE);
  const responses = await Promise.all(
    urls().map(async (url) => {
      const [kept, response] = await Promise.all([
        cache.match(url),
        fetch(url, { cache: "no-cache" }),
      ]);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return [url, response, same(kept, response)];
    }),
  );
  await Promise.all(
    responses.filter(([, , kept]) => !kept).map(([url, response]) => cache.put(url, response)),
  );
}

// Requests for anything but the built files go to the network without this worker
// (Chromium's static routing); a browser without it, or without one of its conditions,
// keeps the fetch handler's way.
async function route(event) {
  if (!event.addRoutes || typeof URLPattern === "undefined") return;
  const escape = (path) => path.replace(/[:*?+(){}\\]/g, "\\$&");
  const files = urls().map((url) => ({
    urlPattern: new URLPattern({ pathname: escape(new URL(url).pathname) }),
  }));
  await event.addRoutes({ condition: { not: { or: files } }, source: "network" });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([route(event).catch(() => {}), refresh()]).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

// The page asks for a refresh once it has started.
self.addEventListener("message", (event) => {
  if (event.data === "refresh") event.waitUntil(refresh().catch(() => {}));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const root = scope();
  if (url.origin !== root.origin) return;
  // A page load (any client route, any query) is that page's index.html.
  const key = url.origin + url.pathname;
  if (!urls().includes(key)) return;
  event.respondWith(
    (async () => (await caches.match(key, { cacheName: CACHE })) || fetch(request))(),
  );
});

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
// Updates: every page load is answered from the cache at once and then refreshes the whole
// set in the background; the new build is used from the next load. The set is replaced
// only when every file was fetched, so index.html (whose integrity hashes name the module
// and the wasm) never meets a module of another build. tests/e2e.rs checks that FILES
// lists every file of dist/.
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

// The pages: a navigation to either (any client route, any query) is answered with it.
const PAGES = ["./", "validator/"];

const scope = () => new URL(self.registration.scope);
const urls = () => FILES.map((file) => new URL(file, scope()).href);

// Fetches every file fresh and stores the set only when all arrived.
async function refresh() {
  const responses = await Promise.all(
    urls().map(async (url) => {
      const response = await fetch(url, { cache: "no-cache" });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return [url, response];
    }),
  );
  const cache = await caches.open(CACHE);
  await Promise.all(responses.map(([url, response]) => cache.put(url, response)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(refresh().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const root = scope();
  if (url.origin !== root.origin) return;
  // A page load (any client route, any query) is that page's index.html.
  const page =
    request.mode === "navigate" &&
    PAGES.map((p) => new URL(p, root).pathname).includes(url.pathname);
  const key = url.origin + url.pathname;
  if (!urls().includes(key)) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(key, { cacheName: CACHE });
      if (page) event.waitUntil(refresh().catch(() => {}));
      return cached || fetch(request);
    })(),
  );
});

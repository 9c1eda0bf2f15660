/* Service worker of the map page. Assets from the cache (renewed when this file's version
   changes), the page and its answers from the network with the last copy kept, basemap tiles
   from the cache. An answer is only ever replaced by a saved copy of the SAME request: when
   there is none, the page is told it is offline (X-Geomap-Offline) and says so. */
"use strict";
var VERSION = "__VERSION__";
var ASSETS = "geomap-assets-" + VERSION;
var PAGE = "geomap-page-v1";
var DATA = "geomap-data-v1";
var TILES = "geomap-tiles-v1";
var PACK = "geomap-pack-v1";
var PRECACHE = [
  "/static/page/app.js",
  "/static/page/messages.js",
  "/static/page/icon.svg"
];  // the page inlines its style sheet; Leaflet is kept when first used (low-data mode never does)
// answers kept for offline use; /nearby and /routes/safe are kept by the page itself
var KEPT = /^\/(networks|messages$|collections\/(places|risk_zones)\/items)/;  // messages: the bank
var LIVE = /^\/(nearby|routes\/safe|help|feedback)/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) { return forgotten ? null : cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  var keep = [ASSETS, PAGE, DATA, TILES, PACK];
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return keep.indexOf(n) < 0; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// the quick exit: once told to forget, the worker keeps nothing more and drops what it kept
var forgotten = false;
function dropAll() {
  return caches.keys().then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); });
}
self.addEventListener("message", function (event) {
  if (event.data === "forget") { forgotten = true; event.waitUntil(dropAll()); }
});
function keep(cacheName, request, copy) {
  if (forgotten) { return; }
  caches.open(cacheName).then(function (cache) { return forgotten ? null : cache.put(request, copy); })
    .then(function () { return forgotten ? dropAll() : null; });
}

function offline() {
  return new Response('{"detail":"offline"}', {
    status: 503, headers: { "Content-Type": "application/json", "X-Geomap-Offline": "1" }
  });
}

function networkFirst(request, cacheName, loose) {
  return fetch(request).then(function (response) {
    if (response.ok && cacheName) {
      keep(cacheName, request, response.clone());
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      if (hit || !loose) { return hit ? saved(hit) : offline(); }
      return caches.match(request, { ignoreVary: true, ignoreSearch: true }).then(function (any) { return any ? saved(any) : offline(); });
    });
  });
}

// a saved copy says so: the page keeps telling the person it is offline
function saved(hit) {
  var headers = new Headers(hit.headers);
  headers.set("X-Geomap-Saved", "1");
  return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: headers });
}

function cacheFirst(request, cacheName) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) { keep(cacheName, request, response.clone()); }
      return response;
    });
  }).catch(function () { return offline(); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var p = url.pathname;
  if (request.mode === "navigate" && (p === "/" || /\/sheet$/.test(p))) {
    event.respondWith(networkFirst(request, PAGE, true));
  } else if (p.indexOf("/static/") === 0 || p.indexOf("/basemap/") === 0) {
    event.respondWith(cacheFirst(request, p.indexOf("/basemap/") === 0 ? TILES : ASSETS));
  } else if (KEPT.test(p)) {
    event.respondWith(networkFirst(request, DATA, false));
  } else if (LIVE.test(p)) {
    event.respondWith(networkFirst(request, null, false));
  }
});

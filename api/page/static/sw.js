/* Service worker of the map page: assets from the cache, answers and pages from the network
   with the last copy kept, so the page and the last places open with no connection. */
"use strict";
var ASSETS = "geomap-assets-v1";
var PAGE = "geomap-page-v1";
var DATA = "geomap-data-v1";
var PRECACHE = [
  "/static/leaflet/leaflet.js",
  "/static/leaflet/leaflet.css",
  "/static/page/app.js",
  "/static/page/app.css"
];
var DATA_PATHS = /^\/(nearby|streets|routes\/safe|collections\/places\/items)/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  var keep = [ASSETS, PAGE, DATA];
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return keep.indexOf(n) < 0; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, cacheName) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(cacheName).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || cache.match(request, { ignoreVary: true, ignoreSearch: true });
      });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && (url.pathname === "/" || /\/sheet$/.test(url.pathname))) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || networkFirst(request, ASSETS);
    }));
  } else if (DATA_PATHS.test(url.pathname)) {
    event.respondWith(networkFirst(request, DATA));
  }
});

/* The map page: where am I, places nearby by walking time, a place in words, the safe route
   with its risk told and its directions, offline with honest dates. Every request goes to
   this server only; nothing about the person is sent anywhere else. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var lang = config.lang;
  var LAST = "geomap.last", ROUTES = "geomap.routes", PACK = "geomap.pack", LOWDATA = "geomap.lowdata";
  var $ = function (id) { return document.getElementById(id); };
  var timing = window.geomapTiming = window.geomapTiming || {};
  function t(msg, values) {
    var text = config.t[msg] || msg;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or off */ }
  }
  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  // ---- words and numbers in the user's language
  var num1 = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false });
  var stamp = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
  function distance(m) {
    if (m < 995) { return (m >= 100 ? Math.round(m / 10) * 10 : Math.round(m)) + " m"; }
    return num1.format(Math.round(m / 100) / 10) + " km";
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function localTime(d) {
    d = d || new Date();
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + "T" + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function parseLocal(s) {
    var p = s.split(/[-T:]/).map(Number);
    return new Date(p[0], p[1] - 1, p[2], p[3] || 0, p[4] || 0);
  }
  function hm(d) { return two(d.getHours()) + ":" + two(d.getMinutes()); }
  function languageName(code) {
    try { return new Intl.DisplayNames([lang], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }
  function ago(iso) {
    var then = new Date(iso), days = (Date.now() - then.getTime()) / 864e5;
    var rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    if (days < 1) { return rtf.format(0, "day"); }
    if (days < 45) { return rtf.format(-Math.round(days), "day"); }
    if (days < 550) { return rtf.format(-Math.round(days / 30.4), "month"); }
    return rtf.format(-Math.round(days / 365), "year");
  }

  // ---- opening hours: the server's intervals, judged on the phone's clock (offline too)
  var H = config.hours;
  function hoursState(h, when) {
    if (!h || (h.state === "unknown" && !h.open.length)) { return { state: "unknown" }; }
    if (h.always_open) { return { state: "open", always: true }; }
    var spans = h.open.map(function (s) { return [parseLocal(s[0]), parseLocal(s[1])]; });
    for (var i = 0; i < spans.length; i++) {
      if (spans[i][0] <= when && when < spans[i][1]) { return { state: "open", change: spans[i][1] }; }
      if (spans[i][0] > when) { return { state: "closed", change: spans[i][0] }; }
    }
    return { state: spans.length ? "closed" : "unknown" };
  }
  function statusText(h, when) {
    var s = hoursState(h, when);
    if (s.state === "unknown") { return H.unknown; }
    if (s.always) { return H.always; }
    if (!s.change) { return H[s.state]; }
    var verb = s.state === "open" ? "closes" : "opens";
    var minutes = Math.round((s.change - when) / 6e4);
    var start = new Date(when.getFullYear(), when.getMonth(), when.getDate());
    var days = Math.round((new Date(s.change.getFullYear(), s.change.getMonth(), s.change.getDate()) - start) / 864e5);
    var time = hm(s.change), tail;
    if (minutes <= 60) { tail = H[verb + "_in"].replace("{minutes}", Math.max(minutes, 1)).replace("{time}", time); }
    else if (days === 0) { tail = H[verb + "_at"].replace("{time}", time); }
    else if (days === 1) { tail = H[verb + "_tomorrow"].replace("{time}", time); }
    else { tail = H[verb + "_on"].replace("{day}", config.days[(s.change.getDay() + 6) % 7]).replace("{time}", time); }
    return H[s.state] + " · " + tail;
  }
  window.geomapHoursText = statusText;

  // ---- connection: every answer is dated, and an offline one says so
  var offline = false;
  function banner(fetchedAt) {
    var box = $("offline");
    if (!offline) { box.hidden = true; return; }
    box.hidden = false;
    box.textContent = t("No connection.") + (fetchedAt ? " " + t("Showing data saved on {when}.", { when: stamp.format(new Date(fetchedAt)) }) : "");
  }
  function setOffline(value, fetchedAt) { offline = value; banner(fetchedAt); }
  window.addEventListener("offline", function () { setOffline(true, state.fetchedAt); });
  window.addEventListener("online", function () { setOffline(false); });

  function ProblemError(status, detail) { this.status = status; this.detail = detail; }
  function getJSON(url, first) {
    var request = first || fetch(url, { headers: { Accept: "application/json" } });
    return request.then(function (r) {
      if (r.headers.get("X-Geomap-Offline")) { throw new TypeError("offline"); }
      if (!r.ok) {
        return r.json().then(function (p) { throw new ProblemError(r.status, p.detail); },
          function () { throw new ProblemError(r.status, r.statusText); });
      }
      if (r.headers.get("X-Geomap-Saved")) { if (!offline) { setOffline(true, state.fetchedAt); } }
      else if (offline) { setOffline(false); }
      return r.json();
    }).catch(function (err) {
      if (!(err instanceof ProblemError)) { setOffline(true, state.fetchedAt); }
      throw err;
    });
  }
  function failure(err) {
    if (!(err instanceof ProblemError)) { return t("No connection."); }
    if (err.status === 422) { return t("There is no data for this place yet. Pick a town from the list."); }
    if (err.status === 503) { return t("The server is busy. Try again in a minute."); }
    return t("Something went wrong. Try again.");
  }
  function status(text) { $("status").textContent = text || ""; }

  // ---- state, kept in the address so a link or a language switch keeps it
  // the networks (and their towns) this server has, as GET /networks tells them
  var state = { at: null, features: [], fetchedAt: null, details: {}, networks: config.networks || [], straight: false };
  var FILTERS = { service: "s", population: "p", minutes: "m", search: "q" };
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("="); if (kv[0]) { out[kv[0]] = decodeURIComponent(kv[1] || ""); }
    });
    return out;
  }
  function writeHash() {
    var parts = [];
    if (state.at) { parts.push("at=" + state.at.join(",")); }
    Object.keys(FILTERS).forEach(function (id) {
      var v = $(id).value;
      if (v && !(id === "minutes" && v === "30")) { parts.push(FILTERS[id] + "=" + encodeURIComponent(v)); }
    });
    if ($("open").checked) { parts.push("o=1"); }
    history.replaceState(null, "", location.pathname + location.search + (parts.length ? "#" + parts.join("&") : ""));
  }
  Array.prototype.forEach.call(document.querySelectorAll(".langs a"), function (a) {
    a.addEventListener("click", function () { a.href = a.getAttribute("href").split("#")[0] + location.hash; });
  });

  // ---- the map, loaded only when it is shown (low-data mode lists without it)
  var map = null, layers = {}, mapWanted = null, mapAfterList = false;
  var connection = navigator.connection || {};
  function lowData() {
    var chosen = read(LOWDATA);
    if (chosen !== null) { return chosen; }
    return !!connection.saveData || /(^|-)2g$/.test(connection.effectiveType || "");
  }
  function applyLowData() {
    var low = lowData();
    $("lowdata").checked = low;
    document.body.classList.toggle("lowdata", low);
    if (low) { return; }
    // with a location given, the list comes first and the map right after it
    if (state.at && !timing.firstList) { mapAfterList = true; } else { loadMap(); }
  }
  $("lowdata").addEventListener("change", function () { store(LOWDATA, this.checked); applyLowData(); });

  function loadMap() {
    if (mapWanted) { return mapWanted; }
    mapWanted = new Promise(function (resolve) {
      var css = el("link", { rel: "stylesheet", href: config.leaflet.css });
      document.head.appendChild(css);
      var js = el("script", { src: config.leaflet.js });
      // Leaflet is evaluated in the task that loads it; the map is laid out in the next one
      js.onload = function () { setTimeout(function () { initMap(); resolve(map); }, 0); };
      document.head.appendChild(js);
    });
    return mapWanted;
  }

  function initMap() {
    var L = window.L;
    map = L.map("map", { zoomControl: true, attributionControl: true, tap: true, maxZoom: 19, minZoom: 12 })
      .setView(state.at ? [state.at[1], state.at[0]] : [config.center[1], config.center[0]], 15);
    map.attributionControl.setPrefix(false).addAttribution("© OpenStreetMap, ODbL");
    if (config.tiles) { L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map); }
    layers.zones = L.layerGroup().addTo(map);
    layers.route = L.layerGroup().addTo(map);
    layers.places = L.layerGroup().addTo(map);
    map.on("click", function (e) { setLocation(e.latlng.lng, e.latlng.lat, false); });
    // the rest in short tasks, so that a slow phone stays responsive while the map fills in
    var steps = [
      function () { basemapLayer(L).addTo(map); },
      function () { drawHere(); renderMarkers(); },
      function () { map.on("moveend", loadZones); loadZones(); if (state.route) { drawRouteLine(state.route); } }
    ];
    (function next() { var step = steps.shift(); if (step) { step(); setTimeout(next, 0); } })();
  }

  // our own vector basemap: /basemap/z/x/y.json drawn on canvas tiles
  function basemapLayer(L) {
    var Layer = L.GridLayer.extend({
      createTile: function (c, done) {
        var size = this.getTileSize(), ratio = Math.min(window.devicePixelRatio || 1, 1.5);
        var canvas = el("canvas", { "aria-hidden": "true" });
        canvas.width = size.x * ratio; canvas.height = size.y * ratio;
        fetch("/basemap/" + (c.z - 1) + "/" + c.x + "/" + c.y + ".json").then(function (r) {
          if (!r.ok) { throw new Error(r.status); }
          return r.json();
        }).then(function (tile) { drawTile(canvas, tile, c.z - 1, ratio * size.x / tile.extent, function () { done(null, canvas); }); })
          .catch(function (e) { done(e, canvas); });
        return canvas;
      }
    });
    var layer = new Layer({ tileSize: 512, minZoom: 13, maxNativeZoom: 19, className: "basemap" });
    layer.on("loading", function () { window.geomapBasemapLoaded = false; });
    layer.on("load", function () { window.geomapBasemapLoaded = true; });
    return layer;
  }

  function path(ctx, flat, k) {
    var x = 0, y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i]; y += flat[i + 1];
      if (i === 0) { ctx.moveTo(x * k, y * k); } else { ctx.lineTo(x * k, y * k); }
    }
  }
  // Drawing is queued as short jobs run a few milliseconds at a time, so that a slow phone
  // handles taps between them instead of freezing while a whole tile is painted.
  var jobs = [], draining = false;
  function queue(list) {
    Array.prototype.push.apply(jobs, list);
    if (!draining) { draining = true; setTimeout(drain, 0); }
  }
  function drain() {
    var until = performance.now() + 6;
    while (jobs.length && performance.now() < until) { jobs.shift()(); }
    if (jobs.length) { setTimeout(drain, 0); } else { draining = false; }
  }
  var STREETS_PER_JOB = 250;
  function drawTile(canvas, tile, z, k, done) {
    var ctx = canvas.getContext("2d"), list = [];
    list.push(function () {
      ctx.fillStyle = "#f2efe9"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      [["landuse", "#e6e0d6"], ["park", "#c8e6b0"], ["water", "#9fcdee"]].forEach(function (layer) {
        ctx.fillStyle = layer[1];
        (tile[layer[0]] || []).forEach(function (rings) {
          ctx.beginPath(); rings.forEach(function (ring) { path(ctx, ring, k); ctx.closePath(); }); ctx.fill("evenodd");
        });
      });
      ctx.strokeStyle = "#7fb8e6"; ctx.lineWidth = 3 * k * 8;
      (tile.rivers || []).forEach(function (line) { ctx.beginPath(); path(ctx, line, k); ctx.stroke(); });
      ctx.lineCap = "round"; ctx.lineJoin = "round";
    });
    var unit = canvas.width / 512, zw = Math.min(Math.max(z - 12, 0), 5);
    var widths = [1.2, 0.8 + 0.7 * zw, 1.2 + zw];
    var byClass = [[], [], []];
    tile.streets.forEach(function (s) { byClass[s[0]].push(s[2]); });
    // one path per kind of street and pass (in batches): a few strokes per tile, not one per street
    (z >= 15 ? [["#b9b2a6", 1.6], [null, 0]] : [[null, 0]]).forEach(function (pass) {
      [0, 1, 2].forEach(function (cls) {
        if (cls === 0 && pass[0]) { return; }
        // without a casing (far out) the streets need a darker colour to stand out
        var colour = pass[0] || (cls === 2 ? (z >= 15 ? "#ffe9a8" : "#e0b44c") : cls === 1 ? (z >= 15 ? "#ffffff" : "#c9c0b2") : "#8d8579");
        for (var from = 0; from < byClass[cls].length; from += STREETS_PER_JOB) {
          list.push(strokeJob(ctx, byClass[cls].slice(from, from + STREETS_PER_JOB), k, colour,
            (widths[cls] + pass[1]) * unit, cls === 0 ? [3 * unit, 3 * unit] : []));
        }
      });
    });
    if (z >= 16) { list.push(function () { labels(ctx, tile, k, unit); }); }
    list.push(done);
    queue(list);
  }
  function strokeJob(ctx, lines, k, colour, width, dash) {
    return function () {
      ctx.setLineDash(dash); ctx.strokeStyle = colour; ctx.lineWidth = width;
      ctx.beginPath();
      lines.forEach(function (flat) { path(ctx, flat, k); });
      ctx.stroke();
      ctx.setLineDash([]);
    };
  }
  function labels(ctx, tile, k, unit) {
    var best = {};
    tile.streets.forEach(function (s) {
      if (s[1] < 0) { return; }
      var x = 0, y = 0, px = 0, py = 0, f = s[2];
      for (var i = 0; i < f.length; i += 2) {
        x += f[i]; y += f[i + 1];
        if (i > 0) {
          var len = Math.hypot(x - px, y - py) * k;
          if (!best[s[1]] || len > best[s[1]].len) { best[s[1]] = { len: len, a: [px * k, py * k], b: [x * k, y * k] }; }
        }
        px = x; py = y;
      }
    });
    ctx.font = (11 * unit) + "px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.lineWidth = 3 * unit; ctx.strokeStyle = "#fff"; ctx.fillStyle = "#333";
    Object.keys(best).forEach(function (i) {
      var b = best[i], name = tile.names[i], w = ctx.measureText(name).width;
      if (b.len < w + 8 * unit) { return; }
      var mx = (b.a[0] + b.b[0]) / 2, my = (b.a[1] + b.b[1]) / 2;
      if (mx < w / 2 || my < 8 || mx > ctx.canvas.width - w / 2 || my > ctx.canvas.height - 8) { return; }
      var angle = Math.atan2(b.b[1] - b.a[1], b.b[0] - b.a[0]);
      if (angle > Math.PI / 2) { angle -= Math.PI; } else if (angle < -Math.PI / 2) { angle += Math.PI; }
      ctx.save(); ctx.translate(mx, my); ctx.rotate(angle);
      ctx.strokeText(name, 0, 0); ctx.fillText(name, 0, 0); ctx.restore();
    });
  }

  // risk zones the caller may see, by level
  var zoneTimer = null, zoneBox = null;
  var LEVEL_STYLE = { avoid: ["#6a1b9a", 0.35], high: ["#c62828", 0.28], medium: ["#ef6c00", 0.22], low: ["#f9a825", 0.18] };
  function loadZones() {
    clearTimeout(zoneTimer);
    zoneTimer = setTimeout(function () {
      var b = map.getBounds(), g = 0.02;
      var box = [Math.floor(b.getWest() / g) * g, Math.floor(b.getSouth() / g) * g, Math.ceil(b.getEast() / g) * g, Math.ceil(b.getNorth() / g) * g]
        .map(function (v) { return v.toFixed(2); }).join(",");
      if (box === zoneBox) { return; }
      zoneBox = box;
      getJSON("/collections/risk_zones/items?limit=500&bbox=" + box).then(function (fc) {
        layers.zones.clearLayers();
        window.L.geoJSON(fc, {
          interactive: false,
          style: function (f) {
            var s = LEVEL_STYLE[f.properties.level] || LEVEL_STYLE.low;
            return { color: s[0], weight: 2, fillColor: s[0], fillOpacity: s[1], dashArray: f.properties.night_only ? "6 6" : null, className: "zone zone-" + f.properties.level };
          }
        }).addTo(layers.zones);
      }).catch(function () { zoneBox = null; });
    }, 200);
  }

  var here = null;
  function drawHere() {
    if (!map || !state.at) { return; }
    if (here) { map.removeLayer(here); }
    here = window.L.marker([state.at[1], state.at[0]], {
      icon: window.L.divIcon({ className: "pin-here", html: "<span></span>", iconSize: [22, 22] }),
      keyboard: false, interactive: false
    }).addTo(map);
  }

  // ---- where am I
  function networkAt(lon, lat) {
    return state.networks.filter(function (n) {
      return lon >= n.bbox[0] && lon <= n.bbox[2] && lat >= n.bbox[1] && lat <= n.bbox[3];
    })[0] || null;
  }
  function setLocation(lon, lat, recentre) {
    state.at = [Number(lon.toFixed(5)), Number(lat.toFixed(5))];
    state.features = []; state.straight = false;
    closeDetails();
    writeHash();
    drawHere();
    if (map && recentre) { map.setView([lat, lon], Math.max(map.getZoom(), 15), { animate: false }); }
    renderContacts();
    search(true);
    tellWhere();
  }
  // the other panels (the message bank) follow the person: where they are and which network
  function tellWhere() {
    var net = networkAt(state.at[0], state.at[1]);
    window.dispatchEvent(new CustomEvent("geomap:where", { detail: {
      lon: state.at[0], lat: state.at[1], network: net ? net.id : null, countries: net ? net.countries.slice() : []
    } }));
  }
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { status(t("Your location could not be found.")); return; }
    status(t("Locating…"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      status("");
      setLocation(pos.coords.longitude, pos.coords.latitude, true);
    }, function () { status(t("Your location could not be found.")); }, { timeout: 15000, maximumAge: 60000 });
  });
  $("town").addEventListener("change", function () {
    var id = this.value;
    state.networks.forEach(function (n) {
      n.towns.forEach(function (town) { if (town.id === id) { setLocation(town.lon, town.lat, true); } });
    });
  });

  // ---- places nearby: one answer per location, filtered on the phone (offline too)
  function nearbyUrl(minutes, at) {
    return "/nearby?at=" + (at || state.at).join(",") + "&minutes=" + minutes + "&time=" + localTime();
  }
  function detailsUrl(at, minutes) {
    var dy = minutes * 80 / 111320, dx = dy / Math.max(Math.cos(at[1] * Math.PI / 180), 0.2);
    return "/collections/places/items?limit=1000&bbox=" + [at[0] - dx, at[1] - dy, at[0] + dx, at[1] + dy].map(function (v) { return v.toFixed(3); }).join(",");
  }
  function loadDetails(url, first) {
    return getJSON(url, first).then(function (fc) {
      fc.features.forEach(function (item) { state.details[item.id] = item.properties; });
    });
  }

  var searchToken = 0;
  function search(moved) {
    if (!state.at) { return; }
    var minutes = Number($("minutes").value);
    var last = read(LAST);
    var sameSpot = last && last.at && last.at.join() === state.at.join();
    if (!moved && sameSpot && last.minutes >= minutes && state.features.length && !state.straight) { render(); return; }
    var token = ++searchToken, url = nearbyUrl(minutes);
    var first = window.geomapFirst && window.geomapFirst.at === state.at.join() && window.geomapFirst.minutes === minutes ? window.geomapFirst : null;
    window.geomapFirst = null;
    status(t("Looking for places…"));
    var details = loadDetails(first ? first.detailsUrl : detailsUrl(state.at, minutes), first && first.details).catch(function () { return null; });
    getJSON(url, first && first.nearby).then(function (fc) {
      if (token !== searchToken) { return; }
      status("");
      state.features = fc.features; state.straight = false; state.fetchedAt = Date.now();
      store(LAST, { at: state.at, minutes: minutes, fetchedAt: state.fetchedAt, features: fc.features });
      render();
      if (!timing.firstList) {
        timing.firstList = performance.now();
        if (mapAfterList) { mapAfterList = false; setTimeout(loadMap, 0); }
        setTimeout(offlineCopy, 0);
      }
      details.then(function () { if (token === searchToken) { render(); } });
    }).catch(function (err) {
      if (mapAfterList) { mapAfterList = false; setTimeout(loadMap, 0); }
      if (token !== searchToken) { return; }
      if (err instanceof ProblemError) { state.features = []; render(); status(failure(err)); return; }
      if (sameSpot && last.features) {
        state.features = last.features; state.fetchedAt = last.fetchedAt;
        banner(last.fetchedAt);
        status(last.minutes < minutes ? t("Without connection only places within {minutes} min are known.", { minutes: last.minutes }) : "");
        render();
        return;
      }
      fromPack();
    });
  }

  // offline at a new location: places of a saved area by straight-line distance, said so;
  // without a saved area, the public places the page itself carries (dated, first.js)
  function fromSnapshot() {
    var snap = window.geomapSnapshot, found = snap && snap.near(state.at[0], state.at[1], Number($("minutes").value));
    if (!found) { render(); status(t("No connection: places cannot be searched from here.")); return; }
    state.features = found; state.straight = true; state.fetchedAt = Date.parse(snap.at);
    banner(state.fetchedAt);
    status(t("No connection: places of the saved area by straight-line distance, not walking time."));
    render();
  }
  function fromPack() {
    var pack = read(PACK);
    state.features = [];
    if (!pack || !window.caches) { fromSnapshot(); return; }
    caches.match(pack.places).then(function (r) { return r ? r.json() : null; }).then(function (fc) {
      if (!fc) { throw new Error("no pack"); }
      var R = 6371000, rad = Math.PI / 180;
      state.features = fc.features.map(function (f) {
        var c = f.geometry.coordinates;
        var d = R * Math.hypot((c[0] - state.at[0]) * rad * Math.cos(state.at[1] * rad), (c[1] - state.at[1]) * rad);
        state.details[f.id] = f.properties;
        return { id: f.id, geometry: f.geometry, properties: { name: f.properties.name.es, services: f.properties.services, straight_m: d, hours: null } };
      }).sort(function (a, b) { return a.properties.straight_m - b.properties.straight_m; }).slice(0, 30);
      state.straight = true; state.fetchedAt = pack.savedAt;
      banner(pack.savedAt);
      status(t("No connection: places of the saved area by straight-line distance, not walking time."));
      render();
    }).catch(fromSnapshot);
  }

  function fold(s) { return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function nameOf(f) {
    var d = state.details[f.id];
    return (d && d.name && (d.name[lang] || d.name.es)) || f.properties.name;
  }
  function filtered() {
    var service = $("service").value, population = $("population").value, open = $("open").checked;
    var minutes = Number($("minutes").value), q = fold($("search").value.trim()), now = new Date();
    var reasons = { closed: 0 };
    var list = state.features.filter(function (f) {
      var p = f.properties, d = state.details[f.id] || {};
      if (!state.straight && p.walking_minutes > minutes) { return false; }
      if (service && p.services.indexOf(service) < 0) { return false; }
      if (population) {
        var pops = d.populations || ["everyone"];
        if (pops.indexOf(population) < 0 && pops.indexOf("everyone") < 0) { return false; }
      }
      if (q) {
        var names = Object.keys(d.name || {}).map(function (k) { return d.name[k]; }).concat([p.name], d.organizations || []);
        if (!names.some(function (n) { return fold(n).indexOf(q) >= 0; })) { return false; }
      }
      if (open && hoursState(p.hours, now).state !== "open") { reasons.closed++; return false; }
      return true;
    });
    return { list: list, closed: reasons.closed };
  }

  function render() {
    var box = $("places"), result = filtered();
    box.textContent = "";
    writeHash();
    if (!result.list.length && state.at) {
      var why = result.closed ? t("{n} places match but are closed now.", { n: result.closed })
        : state.features.length ? t("No places match these filters.") : t("No places within this walking time.");
      box.appendChild(el("li", { "class": "empty" }, why));
    }
    var now = new Date();
    result.list.forEach(function (f, i) {
      var p = f.properties;
      var li = el("li", { "data-id": f.id });
      var button = el("button", { type: "button", "class": "place" });
      button.appendChild(el("span", { "class": "num", "aria-hidden": "true" }, String(i + 1)));
      var body = el("span", { "class": "body" });
      body.appendChild(el("strong", { "class": "name" }, nameOf(f)));
      var how = state.straight ? t("{distance} in a straight line", { distance: distance(p.straight_m) })
        : t("{minutes} min on foot", { minutes: Math.max(1, Math.round(p.walking_minutes)) }) + " · " + distance(p.distance_m);
      body.appendChild(el("span", { "class": "meta" }, how));
      if (!state.straight) {
        var s = hoursState(p.hours, now).state;
        body.appendChild(el("span", { "class": "meta hours " + s }, statusText(p.hours, now)));
      }
      body.appendChild(el("span", { "class": "meta" }, p.services.map(function (c) { return config.services[c] || c; }).join(", ")));
      button.appendChild(body);
      button.addEventListener("click", function () { openPlace(f, i + 1); });
      li.appendChild(button);
      box.appendChild(li);
    });
    state.shown = result.list;
    renderMarkers();
  }

  function renderMarkers() {
    if (!map || !layers.places) { return; }
    layers.places.clearLayers();
    (state.shown || []).forEach(function (f, i) {
      var c = f.geometry.coordinates;
      window.L.marker([c[1], c[0]], {
        icon: window.L.divIcon({ className: "pin", html: "<span>" + (i + 1) + "</span>", iconSize: [44, 44] }),
        title: (i + 1) + ". " + nameOf(f), alt: (i + 1) + ". " + nameOf(f), riseOnHover: true
      }).on("click", function () { openPlace(f, i + 1); }).addTo(layers.places);
    });
  }
  ["service", "population", "open"].forEach(function (id) { $(id).addEventListener("change", render); });
  $("search").addEventListener("input", render);
  $("minutes").addEventListener("change", function () { search(false); });

  // ---- a place in the user's words, its route, directions and a problem report
  var routeToken = 0;
  function closeDetails() {
    routeToken++;
    state.route = null;
    if (layers.route) { layers.route.clearLayers(); }
    $("details").hidden = true;
    $("results").hidden = false;
    document.body.classList.remove("placeopen");
  }
  function row(dl, label, value) {
    if (!value) { return; }
    dl.appendChild(el("dt", {}, label));
    dl.appendChild(el("dd", {}, value));
  }
  function openPlace(f, number) {
    var box = $("details"), p = f.properties, d = state.details[f.id] || {}, now = new Date();
    $("results").hidden = true;
    document.body.classList.add("placeopen");
    box.hidden = false;
    box.textContent = "";
    box.appendChild(el("h2", { id: "details-name" }, number + ". " + nameOf(f)));
    var kind = config.kinds[d.kind] || "";
    if (kind || d.sample) { box.appendChild(el("p", { "class": "meta" }, kind + (d.sample ? " · " + t("Sample data: not a real service") : ""))); }
    if (!state.straight) {
      box.appendChild(el("p", { "class": "hours " + hoursState(p.hours, now).state }, statusText(p.hours, now)));
      var arrive = new Date(now.getTime() + p.walking_minutes * 6e4);
      var there = hoursState(p.hours, arrive).state, nowState = hoursState(p.hours, now).state;
      if (there !== nowState && there !== "unknown") {
        box.appendChild(el("p", { "class": "meta" }, t(there === "open" ? "Open when you arrive ({time})." : "Closed when you arrive ({time}).", { time: hm(arrive) })));
      }
    }
    var route = el("div", { id: "route-info", "class": "route-info" });
    box.appendChild(route);
    var dl = el("dl");
    row(dl, t("Opening hours"), p.hours ? p.hours.week_text[lang] : (d.opening_hours ? d.opening_hours : H.unknown));
    row(dl, t("Services"), p.services.map(function (c) { return config.services[c] || c; }).join(", "));
    row(dl, t("Who it is for"), (d.populations || []).map(function (c) { return config.populations[c] || c; }).join(", "));
    row(dl, t("Languages"), (d.languages || p.languages || []).map(languageName).join(", "));
    row(dl, t("Organization"), (d.organizations || []).join(", "));
    if (d.verified_at) { row(dl, t("Last verified"), t("verified {ago}", { ago: ago(d.verified_at) })); }
    box.appendChild(dl);
    var actions = el("div", { "class": "actions" });
    var c = d.contact || {};
    if (c.phone) { actions.appendChild(el("a", { href: "tel:" + c.phone.replace(/[^+0-9]/g, ""), "class": "btn" }, t("Call") + " " + c.phone)); }
    if (c.whatsapp) { actions.appendChild(el("a", { href: "whatsapp://send?phone=" + c.whatsapp.replace(/[^0-9]/g, ""), "class": "btn" }, "WhatsApp " + c.whatsapp)); }
    if (c.email) { actions.appendChild(el("a", { href: "mailto:" + c.email, "class": "btn" }, c.email)); }
    actions.appendChild(el("a", { href: "/places/" + encodeURIComponent(f.id) + "/sheet?lang=" + lang, "class": "btn" }, t("Printable sheet")));
    box.appendChild(actions);
    box.appendChild(reportForm(f));
    var back = el("button", { type: "button", "class": "back" }, t("Back to the list"));
    back.addEventListener("click", closeDetails);
    box.appendChild(back);
    $("panel").scrollTop = 0;
    box.focus({ preventScroll: true });
    if (state.straight) { route.textContent = t("No connection: the route to this place was not saved."); return; }
    drawRoute(f, route);
  }

  function routeKey(f) { return state.at.join(",") + ">" + f.id; }
  function drawRoute(f, info) {
    var token = ++routeToken, key = routeKey(f);
    if (layers.route) { layers.route.clearLayers(); }
    info.textContent = t("Looking for the safest route…");
    var url = "/routes/safe?from=" + state.at.join(",") + "&to=" + f.geometry.coordinates.join(",") + "&time=" + localTime();
    getJSON(url).then(function (answer) {
      var saved = read(ROUTES) || {};
      saved[key] = { fetchedAt: Date.now(), answer: answer };
      var keys = Object.keys(saved).sort(function (a, b) { return saved[b].fetchedAt - saved[a].fetchedAt; });
      keys.slice(20).forEach(function (k) { delete saved[k]; });
      store(ROUTES, saved);
      if (token === routeToken) { showRoute(f, answer, info, null); }
    }).catch(function (err) {
      if (token !== routeToken) { return; }
      var saved = (read(ROUTES) || {})[key];
      if (!(err instanceof ProblemError) && saved) { showRoute(f, saved.answer, info, saved.fetchedAt); return; }
      state.route = null;
      info.textContent = err instanceof ProblemError ? failure(err) : t("No connection: the route to this place was not saved.");
    });
  }

  function showRoute(f, answer, info, savedAt) {
    info.textContent = "";
    var best = answer.features[0];
    if (!best) { info.textContent = t("No walking route to this place."); return; }
    var props = best.properties, dir = props.directions || {};
    var by = (props.exposure || {}).by_level_m || {};
    var risky = !answer.safeRouteFound || by.avoid > 0 || by.high > 0;
    state.route = { feature: best, risky: risky, place: f };
    if (map) { drawRouteLine(state.route); }
    if (savedAt) { info.appendChild(el("p", { "class": "note" }, t("Route saved on {when}.", { when: stamp.format(new Date(savedAt)) }))); }
    info.appendChild(el("p", { "class": "route-len" }, t("{distance} on foot, about {minutes} min.", { distance: distance(props.length_m), minutes: Math.max(1, Math.round(props.duration_min)) })));
    var summary = (dir.summary || {})[lang];
    if (summary) { info.appendChild(el("p", risky ? { "class": "warn", role: "alert" } : { "class": "safe" }, summary)); }
    if (answer.night) { info.setAttribute("data-night", "true"); }
    if (dir.text) {
      var more = el("details", { "class": "steps" });
      more.appendChild(el("summary", {}, t("Directions step by step")));
      var text = dir.text[lang];
      more.appendChild(el("pre", {}, text));
      var share = el("button", { type: "button" }, t("Share the directions"));
      share.addEventListener("click", function () { shareText(nameOf(f), text); });
      more.appendChild(share);
      info.appendChild(more);
    }
  }

  function drawRouteLine(route) {
    layers.route.clearLayers();
    var L = window.L;
    var color = route.risky ? "#c62828" : "#0d47a1";
    L.geoJSON(route.feature, { interactive: false, style: { color: "#fff", weight: 9, opacity: 0.9 } }).addTo(layers.route);
    var line = L.geoJSON(route.feature, { interactive: false, style: { color: color, weight: 5, opacity: 1, dashArray: route.risky ? "10 6" : null, className: route.risky ? "route risky" : "route" } }).addTo(layers.route);
    map.fitBounds(line.getBounds(), { padding: [24, 24], maxZoom: 17, animate: false });
  }

  // the phone's own share sheet: the page sends nothing itself
  function shareText(title, text) {
    var full = title + "\n" + text;
    if (navigator.share) { navigator.share({ title: title, text: full }).catch(function () { /* closed */ }); return; }
    if (navigator.clipboard) { navigator.clipboard.writeText(full).then(function () { status(t("Copied: paste it into a message.")); }); }
  }

  function reportForm(f) {
    var box = el("details", { "class": "report" });
    box.appendChild(el("summary", {}, t("Report a problem with this place")));
    var form = el("form");
    var set = el("fieldset");
    set.appendChild(el("legend", {}, t("What is wrong?")));
    [["closed", "It is closed"], ["wrong_hours", "The hours are wrong"], ["unsafe", "It is not safe"], ["other", "Something else"]].forEach(function (k, i) {
      var label = el("label", { "class": "check" });
      var input = el("input", { type: "radio", name: "kind", value: k[0] });
      if (i === 0) { input.checked = true; }
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + t(k[1])));
      set.appendChild(label);
    });
    form.appendChild(set);
    var note = el("label", { "class": "field" });
    note.appendChild(el("span", {}, t("Note (optional, do not write your name)")));
    note.appendChild(el("textarea", { name: "note", maxlength: "500", rows: "2" }));
    form.appendChild(note);
    form.appendChild(el("button", { type: "submit" }, t("Send anonymously")));
    var said = el("p", { role: "status" });
    form.appendChild(said);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = { place: f.id, kind: form.elements.kind.value };
      var text = form.elements.note.value.trim();
      if (text) { body.note = text; }
      fetch("/feedback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "omit", referrerPolicy: "no-referrer" })
        .then(function (r) { said.textContent = r.ok ? t("Thank you. The team of this country will check it.") : t("Something went wrong. Try again."); })
        .catch(function () { said.textContent = t("No connection: not sent. Try again when you are online."); });
    });
    box.appendChild(form);
    return box;
  }

  // ---- essential contacts of the country where the person is
  function renderContacts() {
    var box = $("contacts");
    box.textContent = "";
    var net = state.at ? networkAt(state.at[0], state.at[1]) : null;
    var codes = Object.keys(config.contacts);
    var here = net ? (net.countries.length ? net.countries : net.towns.map(function (t) { return t.country; })) : [];
    here = here.filter(function (c, i) { return config.contacts[c] && here.indexOf(c) === i; });
    if (here.length) { codes = here; }
    codes.forEach(function (code) {
      var country = config.contacts[code];
      box.appendChild(el("h3", {}, country.name));
      var ul = el("ul");
      country.contacts.forEach(function (c) {
        var li = el("li");
        var a = el("a", { href: "tel:" + c.number.replace(/[^+0-9]/g, ""), "class": "btn tel" });
        a.appendChild(el("span", {}, c.label));
        a.appendChild(el("strong", {}, c.number));
        li.appendChild(a);
        if (c.sample) { li.appendChild(el("span", { "class": "note" }, t("Sample: not a real number"))); }
        else if (c.verify) { li.appendChild(el("span", { "class": "note" }, t("Verify before use"))); }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }

  // ---- save the area for offline use: places, streets and risk zones of the network area
  $("save-area").addEventListener("click", function () {
    var say = $("pack-status");
    var net = state.at ? networkAt(state.at[0], state.at[1]) : state.networks[0];
    if (!net || !window.caches) { say.textContent = t("Pick a location inside a covered town first."); return; }
    var b = net.bbox.map(function (v) { return v.toFixed(4); }).join(",");
    var urls = ["/collections/places/items?limit=1000&bbox=" + b, "/collections/risk_zones/items?limit=500&bbox=" + b];
    tilesFor(net.bbox, [13, 14, 15, 16], 1200).forEach(function (tile) { urls.push("/basemap/" + tile + ".json"); });
    var done = 0, bytes = 0;
    say.textContent = t("Saving… {done} of {total}", { done: 0, total: urls.length });
    caches.open("geomap-pack-v1").then(function (cache) {
      var queue = urls.slice();
      function next() {
        var url = queue.shift();
        if (!url) { return null; }
        return fetch(url).then(function (r) {
          if (!r.ok) { throw new Error(url); }
          return r.clone().blob().then(function (blob) { bytes += blob.size; return cache.put(url, r); });
        }).then(function () { done++; say.textContent = t("Saving… {done} of {total}", { done: done, total: urls.length }); return next(); });
      }
      return Promise.all([next(), next(), next(), next()]);
    }).then(function () {
      store(PACK, { network: net.id, bbox: net.bbox, places: urls[0], zones: urls[1], savedAt: Date.now(), bytes: bytes });
      say.textContent = t("Saved for offline use: {name} ({size}).", { name: net.name, size: distanceless(bytes) });
      window.geomapPackReady = true;
    }).catch(function () { say.textContent = t("No connection: the area could not be saved."); });
  });
  function distanceless(bytes) { return num1.format(bytes / 1048576) + " MB"; }
  function tilesFor(bbox, zooms, cap) {
    var out = [];
    zooms.forEach(function (z) {
      var n = Math.pow(2, z);
      function tx(lon) { return Math.floor((lon + 180) / 360 * n); }
      function ty(lat) { var r = lat * Math.PI / 180; return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n); }
      for (var x = tx(bbox[0]); x <= tx(bbox[2]); x++) {
        for (var y = ty(bbox[3]); y <= ty(bbox[1]); y++) { if (out.length < cap) { out.push(z + "/" + x + "/" + y); } }
      }
    });
    return out;
  }

  // ---- forget, and the quick exit that leaves no trace the page can remove
  function wipe() {
    var dropCaches = function () {
      if (!window.caches) { return null; }
      return caches.keys().then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); });
    };
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* nothing kept */ }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage("forget"); }
    var later = function () { return new Promise(function (done) { setTimeout(done, 300); }); };
    var workers = navigator.serviceWorker
      ? navigator.serviceWorker.getRegistrations().then(function (regs) { return Promise.all(regs.map(function (r) { return r.unregister(); })); })
      : Promise.resolve(null);
    var dbs = (window.indexedDB && indexedDB.databases)
      ? indexedDB.databases().then(function (list) { list.forEach(function (db) { indexedDB.deleteDatabase(db.name); }); })
      : null;
    // the worker goes first (it could still be filling a cache), then every cache, twice
    return Promise.all([workers.then(dropCaches).then(later).then(dropCaches), dbs]).catch(function () { return null; });
  }
  $("exit").addEventListener("click", function () {
    var leave = function () { location.replace("/exit"); };
    setTimeout(leave, 1500);
    wipe().then(leave);
  });
  $("forget").addEventListener("click", function () {
    [LAST, ROUTES, PACK].forEach(function (k) { try { localStorage.removeItem(k); } catch (e) { /* none */ } });
    if (window.caches) { caches.delete("geomap-data-v1"); caches.delete("geomap-pack-v1"); }
    state.at = null; state.features = [];
    closeDetails();
    if (here && map) { map.removeLayer(here); here = null; }
    render();
    writeHash();
    status(t("Forgotten."));
  });

  // ---- start: the location and filters in the address, else the last one saved
  function start() {
    var h = readHash(), last = read(LAST);
    Object.keys(FILTERS).forEach(function (id) { if (h[FILTERS[id]]) { $(id).value = h[FILTERS[id]]; } });
    if (h.o === "1") { $("open").checked = true; }
    if (h.s || h.p || h.q || h.m) { $("filters").open = true; }
    var at = /^(-?[0-9.]+),(-?[0-9.]+)$/.exec(h.at || "");
    if (at) { setLocation(parseFloat(at[1]), parseFloat(at[2]), true); }
    else if (last && last.at) { setLocation(last.at[0], last.at[1], true); }
    else { renderContacts(); }
    applyLowData();
    if (!navigator.onLine) { setOffline(true, last && last.fetchedAt); }
  }
  start();

  // the service worker and the offline copy of this page come after the first list
  function offlineCopy() {
    if (!("serviceWorker" in navigator) || window.geomapOfflineStarted) { return; }
    window.geomapOfflineStarted = true;
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      return caches.open("geomap-page-v1").then(function (cache) {
        return cache.match(location.pathname + location.search).then(function (hit) {
          return hit || cache.add(new Request(location.pathname + location.search, { headers: { Accept: "text/html" } }));
        });
      });
    }).then(function () { window.geomapOfflineReady = true; }).catch(function () { /* no offline copy */ });
  }
  window.addEventListener("load", function () { setTimeout(offlineCopy, state.at && !timing.firstList ? 4000 : 0); });
})();

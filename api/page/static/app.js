/* The map page: where am I, places nearby by walking time, details and the safe route.
   Everything is fetched from this server; the last places are kept on the phone for offline use. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var LAST = "geomap.last";
  var $ = function (id) { return document.getElementById(id); };
  var t = function (msg, values) {
    var text = config.t[msg] || msg;
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  };
  window.geomapTiming = { start: performance.now() };

  var map = L.map("map", { zoomControl: true, attributionControl: !!config.tiles })
    .setView([config.center[1], config.center[0]], 15);
  if (config.tiles) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  var canvas = L.canvas({ padding: 0.2 });
  var streets = L.layerGroup().addTo(map);
  var placesLayer = L.layerGroup().addTo(map);
  var routeLayer = L.layerGroup().addTo(map);
  var here = null;
  var state = { at: null, country: null, features: [] };

  function status(text) { $("status").textContent = text || ""; }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        return r.json().then(function (p) { throw new Error(p.detail || r.statusText); },
          function () { throw new Error(r.statusText); });
      }
      return r.json();
    });
  }

  // ---- basemap from our own streets
  var streetTimer = null;
  function loadStreets() {
    clearTimeout(streetTimer);
    streetTimer = setTimeout(function () {
      if (map.getZoom() < 14) { streets.clearLayers(); return; }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
        return v.toFixed(4);
      }).join(",");
      getJSON("/streets?bbox=" + bbox).then(function (fc) {
        streets.clearLayers();
        L.geoJSON(fc, {
          renderer: canvas, interactive: false,
          style: function (f) {
            return { color: f.properties.major ? "#9e9e9e" : "#c7c7c7", weight: f.properties.major ? 3 : 1.5 };
          }
        }).addTo(streets);
      }).catch(function () { /* no streets: the list still works */ });
    }, 250);
  }
  map.on("moveend", loadStreets);
  loadStreets();

  // ---- where am I
  function nearestTown(lon, lat) {
    var best = null, bestD = Infinity;
    config.towns.forEach(function (town) {
      var d = Math.pow(town.lon - lon, 2) + Math.pow(town.lat - lat, 2);
      if (d < bestD) { best = town; bestD = d; }
    });
    return best;
  }

  function setLocation(lon, lat, fromUser) {
    state.at = [Number(lon.toFixed(5)), Number(lat.toFixed(5))];
    var town = nearestTown(lon, lat);
    state.country = town ? town.country : null;
    if (here) { map.removeLayer(here); }
    here = L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1 })
      .bindTooltip(t("You are here")).addTo(map);
    if (fromUser) { map.setView([lat, lon], Math.max(map.getZoom(), 15)); }
    history.replaceState(null, "", "#at=" + state.at.join(","));
    renderContacts();
    search();
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
    config.towns.forEach(function (town) { if (town.id === id) { setLocation(town.lon, town.lat, true); } });
  });
  map.on("click", function (e) { setLocation(e.latlng.lng, e.latlng.lat, false); });
  ["service", "minutes", "open"].forEach(function (id) { $(id).addEventListener("change", search); });

  // ---- places nearby
  // the phone's own clock: opening hours are judged in the place's local time, not the server's
  function localTime() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) +
      "T" + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function query() {
    var q = "at=" + state.at.join(",") + "&minutes=" + $("minutes").value + "&time=" + localTime();
    if ($("service").value) { q += "&service=" + encodeURIComponent($("service").value); }
    if ($("open").checked) { q += "&open=true"; }
    return q;
  }

  function search() {
    if (!state.at) { return; }
    var q = query();
    status(t("Looking for places…"));
    getJSON("/nearby?" + q).then(function (fc) {
      status("");
      state.features = fc.features;
      try { localStorage.setItem(LAST, JSON.stringify({ at: state.at, query: q, features: fc.features })); } catch (e) { /* full */ }
      renderPlaces();
      if (!window.geomapTiming.firstList) { window.geomapTiming.firstList = performance.now(); }
      translateNames(q);
    }).catch(function (err) {
      var last = readLast();
      if (last && last.query === q) {
        state.features = last.features;
        renderPlaces();
        status(t("Could not reach the server: showing the last places saved."));
      } else {
        status(t("Could not reach the server.") + " " + (navigator.onLine ? err.message : ""));
      }
    });
  }

  // /nearby names places in Spanish: other languages take the names from the registry
  function translateNames(q) {
    if (config.lang === "es" || !state.features.length) { return; }
    var lons = state.features.map(function (f) { return f.geometry.coordinates[0]; });
    var lats = state.features.map(function (f) { return f.geometry.coordinates[1]; });
    var bbox = [Math.min.apply(null, lons), Math.min.apply(null, lats),
      Math.max.apply(null, lons), Math.max.apply(null, lats)].join(",");
    getJSON("/collections/places/items?limit=1000&bbox=" + bbox).then(function (fc) {
      var names = {};
      fc.features.forEach(function (item) { names[item.id] = (item.properties.name || {})[config.lang]; });
      state.features.forEach(function (f) { if (names[f.id]) { f.properties.name = names[f.id]; } });
      try { localStorage.setItem(LAST, JSON.stringify({ at: state.at, query: q, features: state.features })); } catch (e) { /* full */ }
      renderPlaces();
    }).catch(function () { /* Spanish names stay */ });
  }

  function readLast() {
    try { return JSON.parse(localStorage.getItem(LAST) || "null"); } catch (e) { return null; }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function openLabel(p) {
    if (p.open_on_arrival === true) { return ["open", t("Open now")]; }
    if (p.open_on_arrival === false) { return ["closed", t("Closed now")]; }
    return ["", t("Hours unknown")];
  }

  function renderPlaces() {
    var list = $("places");
    list.textContent = "";
    placesLayer.clearLayers();
    if (!state.features.length) { list.appendChild(el("li", {}, t("No places within this walking time."))); }
    state.features.forEach(function (f, i) {
      var p = f.properties;
      var li = el("li", { "data-id": f.id });
      var button = el("button", { type: "button" });
      button.appendChild(el("strong", { "class": "name" }, p.name));
      var o = openLabel(p);
      var meta = el("span", { "class": "meta" }, Math.round(p.walking_minutes) + " " + t("min on foot") + " · ");
      meta.appendChild(el("span", { "class": o[0] }, o[1]));
      button.appendChild(meta);
      button.appendChild(el("span", { "class": "meta" }, p.services.map(function (s) { return config.services[s] || s; }).join(", ")));
      button.addEventListener("click", function () { openPlace(f); });
      li.appendChild(button);
      list.appendChild(li);
      var c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], { radius: 8, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
        .bindTooltip(String(i + 1) + ". " + p.name).on("click", function () { openPlace(f); }).addTo(placesLayer);
    });
  }

  // ---- details and the route
  function openPlace(f) {
    var box = $("details");
    var p = f.properties;
    box.hidden = false;
    box.textContent = "";
    box.appendChild(el("h3", { id: "details-name" }, p.name));
    var o = openLabel(p);
    box.appendChild(el("p", { "class": o[0] }, Math.round(p.walking_minutes) + " " + t("min on foot") + " · " + o[1]));
    var dl = el("dl");
    function row(label, value) {
      if (!value) { return; }
      dl.appendChild(el("dt", {}, label));
      dl.appendChild(el("dd", {}, value));
    }
    row(t("Services"), p.services.map(function (s) { return config.services[s] || s; }).join(", "));
    row(t("Opening hours"), p.opening_hours || t("Hours unknown"));
    row(t("Languages"), (p.languages || []).join(", "));
    box.appendChild(dl);
    var contact = el("p", { id: "details-contact" });
    box.appendChild(contact);
    var route = el("p", { id: "route-info" });
    box.appendChild(route);
    box.appendChild(el("a", { href: "/places/" + encodeURIComponent(f.id) + "/sheet?lang=" + config.lang, target: "_blank" }, t("Printable sheet")));
    var back = el("button", { type: "button" }, t("Back to the list"));
    back.addEventListener("click", function () { box.hidden = true; routeLayer.clearLayers(); });
    box.appendChild(back);
    // translated name and public contact from the registry
    getJSON("/collections/places/items/" + encodeURIComponent(f.id)).then(function (item) {
      var props = item.properties;
      var name = (props.name || {})[config.lang] || (props.name || {}).es;
      if (name) { $("details-name").textContent = name; }
      var c = props.contact || {};
      var parts = [];
      if (c.phone) { parts.push(["tel:" + c.phone.replace(/\s/g, ""), c.phone]); }
      if (c.whatsapp) { parts.push([null, "WhatsApp " + c.whatsapp]); }
      if (c.email) { parts.push(["mailto:" + c.email, c.email]); }
      if (c.website) { parts.push([c.website, c.website]); }
      if (parts.length) { contact.appendChild(el("strong", {}, t("Contact") + ": ")); }
      parts.forEach(function (part) {
        contact.appendChild(part[0] ? el("a", { href: part[0], rel: "noreferrer" }, part[1]) : el("span", {}, part[1]));
        contact.appendChild(document.createTextNode(" "));
      });
    }).catch(function () { /* offline: details from the list only */ });
    drawRoute(f, route);
    box.scrollIntoView({ block: "nearest" });
  }

  function drawRoute(f, info) {
    routeLayer.clearLayers();
    var to = f.geometry.coordinates.join(",");
    getJSON("/routes/safe?from=" + state.at.join(",") + "&to=" + to).then(function (fc) {
      var best = fc.features[0];
      if (!best) { info.textContent = fc.message || ""; return; }
      var line = L.geoJSON(best, { style: { color: fc.safeRouteFound ? "#2e7d32" : "#e65100", weight: 6, opacity: 0.85, className: "route" } })
        .addTo(routeLayer);
      map.fitBounds(line.getBounds(), { padding: [30, 30] });
      var props = best.properties;
      var km = ((props.length_m || 0) / 1000).toFixed(1);
      var minutes = Math.round(props.minutes || props.duration_min || f.properties.walking_minutes);
      info.textContent = fc.safeRouteFound ? t("Route drawn: {km} km, about {minutes} min on foot.", { km: km, minutes: minutes })
        : t("No route avoiding risk zones: this one crosses them.");
    }).catch(function (err) { info.textContent = t("Could not reach the server.") + " " + err.message; });
  }

  // ---- essential contacts
  function renderContacts() {
    var box = $("contacts");
    box.textContent = "";
    var codes = Object.keys(config.contacts);
    if (state.country && config.contacts[state.country]) {
      codes = [state.country];
    }
    codes.forEach(function (code) {
      var country = config.contacts[code];
      box.appendChild(el("h3", {}, country.name));
      var ul = el("ul");
      country.contacts.forEach(function (c) {
        var li = el("li", {}, c.label + ": ");
        li.appendChild(el("a", { href: "tel:" + c.number.replace(/\s/g, "") }, c.number));
        if (c.sample) { li.appendChild(el("span", { "class": "note" }, " (" + t("Sample: not a real number") + ")")); }
        else if (c.verify) { li.appendChild(el("span", { "class": "note" }, " (" + t("Verify before use") + ")")); }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }

  // ---- start: the location in the address (#at=lon,lat), else the last one saved
  function start() {
    var match = /at=(-?[0-9.]+),(-?[0-9.]+)/.exec(location.hash);
    var last = readLast();
    if (match) {
      setLocation(parseFloat(match[1]), parseFloat(match[2]), true);
    } else if (last && last.at) {
      setLocation(last.at[0], last.at[1], true);
    } else {
      renderContacts();
    }
  }
  // keep the location when the language changes
  Array.prototype.forEach.call(document.querySelectorAll(".langs a"), function (a) {
    a.addEventListener("click", function () { if (state.at) { a.href = a.getAttribute("href") + "#at=" + state.at.join(","); } });
  });
  start();

  // ---- forget: the last location and places kept on this phone
  $("forget").addEventListener("click", function () {
    try { localStorage.removeItem(LAST); } catch (e) { /* nothing kept */ }
    if (window.caches) { caches.delete("geomap-data-v1"); }
    state.at = null;
    state.features = [];
    if (here) { map.removeLayer(here); here = null; }
    routeLayer.clearLayers();
    renderPlaces();
    $("details").hidden = true;
    history.replaceState(null, "", location.pathname + location.search);
    status(t("Forgotten."));
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // cache this page as the browser asked for it, so it opens with no connection
      return caches.open("geomap-page-v1").then(function (cache) {
        return cache.add(new Request(location.pathname + location.search, { headers: { Accept: "text/html" } }));
      });
    }).then(function () { window.geomapOfflineReady = true; }).catch(function () { /* no offline copy */ });
  }
})();

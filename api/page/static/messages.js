/* The page's message bank panel: the key messages in force in the country the person is in
   (the country of the network covering the #at= point, or the only country served), in the
   page's language, with the other page languages the messages have one tap away (Spanish
   and Portuguese in Brazil). Kept apart from app.js; the service worker keeps /messages so
   the panel works offline after one visit. Nothing about the person is sent: the request
   names a country and a language only. */
(function () {
  "use strict";
  var section = document.getElementById("bank");
  var configNode = document.getElementById("config");
  if (!section || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var PAGE_LANGS = ["es", "pt", "en"];
  var DATA = "geomap-data-v1";
  var shownLang = config.lang;
  var point = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function hashPoint() {
    var found = null;
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var m = /^at=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(part);
      if (m) { found = [parseFloat(m[1]), parseFloat(m[2])]; }
    });
    return found;
  }

  // the country of the network covering the point; else the only country served
  function countryAt(p) {
    var networks = config.networks || [];
    if (p) {
      for (var i = 0; i < networks.length; i++) {
        var b = networks[i].bbox, c = networks[i].countries || [];
        if (b && c.length && p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]) { return c[0]; }
      }
    }
    var all = [];
    networks.forEach(function (n) { (n.countries || []).forEach(function (c) { if (all.indexOf(c) < 0) { all.push(c); } }); });
    return all.length === 1 ? all[0] : null;
  }

  function url(country, lang) { return "/messages?country=" + encodeURIComponent(country) + "&lang=" + encodeURIComponent(lang); }

  function languageName(code) {
    try { return new Intl.DisplayNames([code], { type: "language" }).of(code); } catch (e) { return code; }
  }

  function renderLanguages(country, offered) {
    var box = $("bank-langs");
    box.textContent = "";
    var others = offered.filter(function (c) { return c !== shownLang; });
    if (!others.length) { return; }
    box.appendChild(document.createTextNode(section.getAttribute("data-read-in") + ": "));
    others.forEach(function (code) {
      var b = el("button", { type: "button", lang: code, "data-lang": code, "class": "bank-lang" }, languageName(code));
      b.addEventListener("click", function () { shownLang = code; load(); });
      box.appendChild(b);
    });
  }

  function render(country, body, saved) {
    var list = $("bank-list");
    list.textContent = "";
    var offered = [];
    body.messages.forEach(function (m) {
      (m.languages || []).forEach(function (c) { if (PAGE_LANGS.indexOf(c) >= 0 && offered.indexOf(c) < 0) { offered.push(c); } });
      var item = el("li", { "data-id": m.id, lang: m.lang, "class": "bank-item" });
      item.appendChild(el("h3", {}, m.title));
      item.appendChild(el("p", { "class": "bank-topic" }, m.topic_label));
      item.appendChild(el("p", { "class": "bank-text" }, m.text));
      if (m.agencies && m.agencies.length) { item.appendChild(el("p", { "class": "bank-agencies" }, m.agencies.join(", "))); }
      list.appendChild(item);
    });
    if (offered.indexOf(shownLang) < 0 && body.messages.length) { offered.unshift(shownLang); }
    renderLanguages(country, offered.sort(function (a, b) { return PAGE_LANGS.indexOf(a) - PAGE_LANGS.indexOf(b); }));
    $("bank-status").textContent = saved ? section.getAttribute("data-saved")
      : (body.messages.length ? "" : section.getAttribute("data-none"));
    section.hidden = false;
    window.geomapMessagesShown = { country: country, lang: shownLang, count: body.messages.length };
    return offered;
  }

  // a copy of every offered language, for offline use (the worker keeps what it sees later)
  function keep(country, offered) {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    navigator.serviceWorker.ready.then(function () {
      return caches.open(DATA).then(function (cache) {
        return Promise.all(offered.map(function (code) { return cache.add(url(country, code)); }));
      });
    }).then(function () { window.geomapMessagesSaved = true; }).catch(function () { /* no copy */ });
  }

  function load() {
    var country = countryAt(point || hashPoint());
    shownCountry = country;
    if (!country) { section.hidden = true; window.geomapMessagesShown = { country: null, lang: shownLang, count: 0 }; return; }
    var lang = shownLang;
    fetch(url(country, lang), { headers: { Accept: "application/json" } }).then(function (r) {
      if (r.headers.get("X-Geomap-Offline")) { throw new Error("offline"); }
      if (!r.ok) { throw new Error(String(r.status)); }
      var saved = Boolean(r.headers.get("X-Geomap-Saved"));
      return r.json().then(function (body) {
        if (lang !== shownLang) { return; }  // the person picked another language meanwhile
        var offered = render(country, body, saved);
        if (!saved) { keep(country, offered); }
      });
    }).catch(function () {
      $("bank-list").textContent = "";
      $("bank-status").textContent = section.getAttribute("data-unsaved");
      section.hidden = false;
    });
  }

  window.addEventListener("hashchange", function () { point = null; load(); });
  // app.js tells whenever the person's location (and so maybe the network and country)
  // changes: their position, a town picked, a tap on the map
  var shownCountry = null;
  window.addEventListener("geomap:where", function (event) {
    var d = event.detail;
    if (!d || !isFinite(d.lon) || !isFinite(d.lat)) { return; }
    point = [d.lon, d.lat];
    var country = countryAt(point);
    if (country !== shownCountry || !country) { load(); }
  });
  load();
})();

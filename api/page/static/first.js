/* Inlined in the page (not loaded): the first list of a #at= link from the places snapshot the
   page carries, as soon as the page is parsed, before app.js and /nearby arrive. Straight-line
   distances, said so; app.js replaces the list with walking times when /nearby answers. It
   only lists where the snapshot is complete around the point. Nothing is sent anywhere. */
(function () {
  "use strict";
  var node = document.getElementById("snapshot"), box = document.getElementById("places");
  if (!node || !box || !window.JSON) { return; }
  var snap = JSON.parse(node.textContent), config = JSON.parse(document.getElementById("config").textContent);
  var R = 6371000, rad = Math.PI / 180, E5 = 1e-5;
  function straight(lon1, lat1, lon2, lat2) {
    var a = Math.sin((lat2 - lat1) * rad / 2), b = Math.sin((lon2 - lon1) * rad / 2);
    return 2 * R * Math.asin(Math.sqrt(a * a + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * b * b));
  }
  // places within what `minutes` on foot can reach in a straight line, nearest first; null
  // when the point is on no network or the snapshot was cut short near it
  function near(lon, lat, minutes) {
    var reach = minutes * 80, net = null;
    (config.networks || []).forEach(function (n) {
      if (!net && lon >= n.bbox[0] && lon <= n.bbox[2] && lat >= n.bbox[1] && lat <= n.bbox[3]) { net = n; }
    });
    var entry = net && snap.networks.filter(function (e) { return e.id === net.id; })[0];
    if (!entry) { return null; }
    if (entry.r !== null) {
      var anchor = Math.min.apply(null, entry.a.map(function (a) { return straight(lon, lat, a[0] * E5, a[1] * E5); }));
      if (anchor + reach > entry.r) { return null; }
    }
    return snap.places.map(function (p) {
      return { id: p[0], geometry: { type: "Point", coordinates: [p[1] * E5, p[2] * E5] },
        properties: { name: p[3], services: p[4] ? p[4].split(" ") : [], straight_m: straight(lon, lat, p[1] * E5, p[2] * E5), hours: null } };
    }).filter(function (f) { return f.properties.straight_m <= reach; })
      .sort(function (a, b) { return a.properties.straight_m - b.properties.straight_m; }).slice(0, 30);
  }
  window.geomapSnapshot = { at: snap.at, near: near };
  var m = /at=(-?[0-9.]+),(-?[0-9.]+)/.exec(location.hash), q = /(^#|&)m=([0-9]+)/.exec(location.hash);
  if (!m) { return; }
  var list = near(+m[1], +m[2], q ? +q[2] : 30);
  if (!list || !list.length) { return; }
  var lang = config.lang, num = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  function t(msg, values) {
    var text = config.t[msg] || msg;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function el(tag, cls, text) { var e = document.createElement(tag); e.className = cls; e.textContent = text; return e; }
  function distance(d) {
    if (d < 995) { return (d >= 100 ? Math.round(d / 10) * 10 : Math.round(d)) + " m"; }
    return num.format(Math.round(d / 100) / 10) + " km";
  }
  var note = t("Approximate: distances as the crow flies. Walking times are on their way.");
  var taken = Date.parse(snap.at);
  if (!navigator.onLine || Date.now() - taken > 6e5) {
    var stamp = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
    note += " " + t("Showing data saved on {when}.", { when: stamp.format(new Date(taken)) });
  }
  box.textContent = "";
  box.appendChild(el("li", "approx-note", note));
  list.forEach(function (f, i) {
    var li = el("li", "approx", ""), p = f.properties, body = el("span", "body", "");
    li.setAttribute("data-approx", f.id);
    var n = el("span", "num", String(i + 1)); n.setAttribute("aria-hidden", "true");
    li.appendChild(n);
    body.appendChild(el("strong", "name", p.name));
    body.appendChild(el("span", "meta", t("{distance} in a straight line", { distance: distance(p.straight_m) })));
    body.appendChild(el("span", "meta", p.services.map(function (c) { return config.services[c] || c; }).join(", ")));
    li.appendChild(body);
    box.appendChild(li);
  });
  (window.geomapTiming = window.geomapTiming || {}).approxList = performance.now();
})();

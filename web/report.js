// Draws the satfence demo report from the data the C++ embeds (#satfence-data).
// Sets document.body.dataset.ready = "1" when everything is drawn; every error is listed
// on the page (#errors) and counted in document.body.dataset.errors.
(function () {
  "use strict";
  const errors = [];
  function fail(message) {
    errors.push(String(message));
    const li = document.createElement("li");
    li.textContent = String(message);
    document.getElementById("errors").appendChild(li);
    document.body.dataset.errors = String(errors.length);
  }
  window.addEventListener("error", (e) => fail(e.message || e));

  const colours = { deny: "#c62828", review: "#ef8f00", allow: "#2e7d32" };
  const zoneColours = { deny: "#c62828", review: "#ef8f00", allow: "#2e7d32", allow_if_whitelisted: "#2e7d32" };
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const pct = (x) => (100 * x).toFixed(1) + "%";
  const pctSmall = (x) => (x > 0 && x < 0.01 ? (100 * x).toPrecision(2) : (100 * x).toFixed(1)) + "%";
  const fmt = (x) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en") : String(x));

  function cards(data) {
    const c = document.getElementById("cards");
    const n = data.terminals.length;
    const by = { allow: 0, review: 0, deny: 0 };
    data.terminals.forEach((t) => (by[t.action] = (by[t.action] || 0) + 1));
    const e = data.evaluation;
    const items = [
      [fmt(n), "terminals"],
      [fmt(data.reports), "reports verified"],
      [fmt(by.allow), "allowed"],
      [fmt(by.review), "under review"],
      [fmt(by.deny), "denied"],
      [e.liars.detected + " / " + e.liars.terminals, "lying terminals caught"],
      [pctSmall(e.honest_false_alarm), "honest false alarms per report (configured " + pctSmall(e.configured_alpha) + ")"],
      [fmt(data.audit.records), "records in the signed audit log"],
    ];
    items.forEach(([v, label]) => {
      const d = el("div", { class: "card" });
      d.appendChild(el("b", {}, v));
      d.appendChild(el("span", {}, label));
      c.appendChild(d);
    });
    document.getElementById("subtitle").textContent =
      data.title + " \u2014 generated " + data.generated + "; policy " + data.policy.slice(0, 12) +
      "\u2026, zone set " + data.zone_set.slice(0, 19) + "\u2026";
  }

  // The k-sigma ellipse as a polygon: semi-axes in metres, azimuth of the major axis in
  // degrees clockwise from north, on the local tangent plane.
  function ellipse(lat, lon, a, b, azimuthDeg, k) {
    const pts = [];
    const az = (azimuthDeg * Math.PI) / 180;
    const mPerDegLat = 111132.954 - 559.822 * Math.cos((2 * lat * Math.PI) / 180);
    const mPerDegLon = (Math.PI / 180) * 6378137 * Math.cos((lat * Math.PI) / 180);
    for (let i = 0; i < 36; i++) {
      const t = (2 * Math.PI * i) / 36;
      const u = k * a * Math.cos(t), v = k * b * Math.sin(t);   // along major, minor axes
      const east = u * Math.sin(az) + v * Math.cos(az);
      const north = u * Math.cos(az) - v * Math.sin(az);
      pts.push([lat + north / mPerDegLat, lon + east / mPerDegLon]);
    }
    return pts;
  }

  function drawMap(data) {
    // A view first: Leaflet clips vector layers against the map's bounds as they are added.
    const map = L.map("map", { zoomSnap: 0.25, attributionControl: false }).setView([49, 32], 5);
    const world = topojson.feature(data.basemap, data.basemap.objects.countries);
    const ruled = {};
    data.zones.features.forEach((f) => {
      if (!f.geometry && f.properties.name) ruled[f.properties.name] = f.properties.action;
    });
    L.geoJSON(world, {
      style: (f) => {
        const action = ruled[f.properties.name];
        return { color: "#8a94a6", weight: 0.7, fillColor: action ? zoneColours[action] : "#f2efe6",
                 fillOpacity: action ? 0.12 : 1 };
      },
      interactive: false,
    }).addTo(map);
    L.geoJSON(data.zones, {
      filter: (f) => !!f.geometry,
      style: (f) => ({ color: zoneColours[f.properties.action] || "#555", weight: 1.5, dashArray: "4 3",
                       fillOpacity: 0.18 }),
      onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name + " (" + f.properties.action +
                                                     (f.properties.approximate ? ", approximate" : "") + ")"),
    }).addTo(map);
    const bounds = [];
    const k = data.k_sigma;
    data.terminals.forEach((t) => {
      const colour = colours[t.action] || "#555";
      const popup = "<b>" + t.id + "</b><br>" + t.action + (t.reasons.length ? ": " + t.reasons.join(", ") : "") +
        "<br>verdict " + t.verdict + "<br>sold: " + t.seller;
      if (t.fix) {
        const f = t.fix;
        L.polygon(ellipse(f.lat, f.lon, f.a, f.b, f.az, k), { color: colour, weight: 1, fillOpacity: 0.08 }).addTo(map);
        if (t.claim_outside) {
          L.polyline([[f.lat, f.lon], [t.claimed[0], t.claimed[1]]], { color: colour, weight: 1.2, dashArray: "3 4" }).addTo(map);
          L.circleMarker(t.claimed, { radius: 3, color: colour, weight: 1, fill: false }).addTo(map);
        }
        L.circleMarker([f.lat, f.lon], { radius: 4, color: "#fff", weight: 0.8, fillColor: colour, fillOpacity: 0.95 })
          .bindPopup(popup).addTo(map);
        bounds.push([f.lat, f.lon]);
      } else {
        L.circleMarker(t.claimed, { radius: 4, color: colour, weight: 1.5, fill: false, dashArray: "2 2" })
          .bindPopup(popup + "<br>(no fix: drawn at its claim)").addTo(map);
        bounds.push(t.claimed);
      }
    });
    data.clusters.sites.forEach((s) => {
      L.circle([s.lat, s.lon], { radius: Math.max(s.radius_m, 300), color: "#5e35b1", weight: 2, fill: false })
        .bindTooltip(s.terminals.length + " kits at one site", { permanent: true, direction: "right" }).addTo(map);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
    const legend = L.control({ position: "bottomleft" });
    legend.onAdd = () => {
      const d = L.DomUtil.create("div", "legend");
      d.innerHTML = ["allow", "review", "deny"].map((a) => '<i style="background:' + colours[a] + '"></i>' + a).join("<br>") +
        "<br>ellipse: " + k + "-sigma fix<br>- - - to the claimed position";
      return d;
    };
    legend.addTo(map);
  }

  function drawPlots(data) {
    const e = data.evaluation;
    const palette = { a1: "#1565c0", a2: "#6a1b9a" };
    const datasets = [];
    let xmax = 10;
    ["a1", "a2"].forEach((cls) => {
      const bins = e.detection.filter((d) => d.class === cls && d.reports > 0);
      const mid = (d) => (d.displacement_m[1] ? Math.sqrt(Math.max(d.displacement_m[0], 1) * d.displacement_m[1])
                                              : d.displacement_m[0] * 2);
      bins.forEach((d) => (xmax = Math.max(xmax, mid(d) * 1.5)));
      datasets.push({ label: cls.toUpperCase() + " measured", data: bins.map((d) => ({ x: mid(d), y: d.measured })),
                      borderColor: palette[cls], backgroundColor: palette[cls], showLine: true, pointRadius: 3 });
      datasets.push({ label: cls.toUpperCase() + " theory (noncentral chi-square)", data: bins.map((d) => ({ x: mid(d), y: d.theory })),
                      borderColor: palette[cls], borderDash: [5, 4], pointRadius: 0, showLine: true, fill: false });
    });
    new Chart(document.getElementById("detection"), {
      type: "scatter",
      data: { datasets },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: { title: { display: true, text: "Detection per report against displacement (each class's own test)" } },
        scales: { x: { type: "logarithmic", max: xmax, title: { display: true, text: "displacement of the claim (m)" } },
                  y: { min: 0, max: 1, title: { display: true, text: "probability of detection" } } },
      },
    });
    const roc = e.roc.filter((r) => r.false_alarm > 0 || r.alpha >= 1e-4);
    new Chart(document.getElementById("roc"), {
      type: "scatter",
      data: { datasets: [
        { label: "measured (all liars)", data: roc.map((r) => ({ x: Math.max(r.false_alarm, 1e-5), y: r.detection })),
          borderColor: "#c62828", backgroundColor: "#c62828", showLine: true },
        { label: "configured false-alarm probability", data: roc.map((r) => ({ x: r.alpha, y: r.detection })),
          borderColor: "#8a94a6", borderDash: [5, 4], pointRadius: 2, showLine: true },
      ] },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: { title: { display: true, text: "ROC: detection against false alarms on honest reports" } },
        scales: { x: { type: "logarithmic", title: { display: true, text: "false-alarm rate" } },
                  y: { min: 0, max: 1, title: { display: true, text: "detection rate" } } },
      },
    });
    const f = e.fix;
    document.getElementById("fixnote").textContent =
      "Honest fixes: RMS horizontal error " + f.rms_error_h_m.toFixed(1) + " m against a Cramer-Rao bound of " +
      f.rms_crlb_h_m.toFixed(1) + " m (ratio " + (f.rms_error_h_m / f.rms_crlb_h_m).toFixed(3) +
      "); mean horizontal NEES " + f.mean_nees_h.toFixed(2) + " (2 when the ellipses are right).";
  }

  // The sequential spoof test: reports to denial against the mean score, and the liars by
  // displacement (evaluation.sequential).
  function drawSequential(data) {
    const q = data.evaluation.sequential;
    if (!q) return;
    new Chart(document.getElementById("delay"), {
      type: "scatter",
      data: { datasets: [
        { label: "simulated", data: q.delay_curve.map((d) => ({ x: d.mean_score, y: d.simulated })),
          borderColor: "#c62828", backgroundColor: "#c62828", showLine: true },
        { label: "Siegmund's approximation", data: q.delay_curve.map((d) => ({ x: d.mean_score, y: d.siegmund })),
          borderColor: "#8a94a6", borderDash: [5, 4], pointRadius: 0, showLine: true },
      ] },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: { title: { display: true, text: "Reports until a displaced terminal is denied" } },
        scales: { x: { title: { display: true, text: "mean normal score of its reports (sigma)" } },
                  y: { type: "logarithmic", title: { display: true, text: "reports to denial" } } },
      },
    });
    const t = document.getElementById("sequential");
    const tr = el("tr");
    ["class", "displacement (m)", "terminals", "denied", "on 1st report", "within 5", "median"]
      .forEach((h) => tr.appendChild(el("th", {}, h)));
    t.appendChild(tr);
    const honest = el("tr");
    ["honest", "-", q.honest_terminals, q.honest_denied, "-", "-", "-"]
      .forEach((v) => honest.appendChild(el("td", {}, String(v))));
    t.appendChild(honest);
    q.bins.forEach((b) => {
      const row = el("tr");
      [b.class.toUpperCase(), b.displacement_m[0] + "–" + b.displacement_m[1], b.terminals, b.denied,
       b.on_first, b.within_5, b.median_reports === null ? "-" : b.median_reports]
        .forEach((v) => row.appendChild(el("td", {}, String(v))));
      t.appendChild(row);
    });
    document.getElementById("sequentialnote").textContent =
      "A terminal is denied when its CUSUM of report evidence reaches " + q.threshold.toFixed(2) +
      ", set for at most " + q.false_denials_per_day + " honest terminal(s) denied a day across " +
      q.fleet_terminals.toExponential(1) + " reporting " + q.reports_per_terminal_per_day +
      " times a day. Run length to a false alarm: " + q.arl0_importance_sampling.toExponential(2) +
      " reports (importance sampling; Lorden's bound " + q.arl0_bound.toExponential(2) + "), so " +
      q.fleet_denials_per_day.toPrecision(2) + " a day across the fleet. Honest reports' mean exp(llr): " +
      q.honest_mean_lr.toPrecision(3) + " (at most 1 when the p-values are valid).";
  }

  function drawTables(data) {
    const t = document.getElementById("channels");
    const head = ["rank", "channel", "seller (country)", "kits", "seen", "deny zone", "spoof", "off plan", "diverted",
                  "rate", "95% CI", "expected", "p-value", ""];
    const tr = el("tr");
    head.forEach((h) => tr.appendChild(el("th", {}, h)));
    t.appendChild(tr);
    data.channels.channels.forEach((r, i) => {
      const row = el("tr", r.flagged ? { class: "flagged" } : {});
      [i + 1, r.channel, (r.seller || "-") + " (" + (r.sale_country || "-") + ")", r.terminals, r.reporting,
       r.in_deny_zone, r.spoof_suspected, r.outside_plan_area, r.diverted, pct(r.rate),
       pct(r.rate_ci[0]) + " \u2013 " + pct(r.rate_ci[1]), pct(r.expected_rate), r.p_value.toPrecision(2)]
        .forEach((v) => row.appendChild(el("td", {}, String(v))));
      const flag = el("td");
      if (r.flagged) flag.appendChild(el("span", { class: "tag" }, "LEAKING"));
      row.appendChild(flag);
      t.appendChild(row);
    });
    const c = document.getElementById("clusters");
    const ch = el("tr");
    ["site", "kits", "denied", "centre", "radius", "zones", "sold by"].forEach((h) => ch.appendChild(el("th", {}, h)));
    c.appendChild(ch);
    data.clusters.sites.forEach((s, i) => {
      const row = el("tr");
      [i + 1, s.terminals.length, s.denied, s.lat.toFixed(5) + ", " + s.lon.toFixed(5), Math.round(s.radius_m) + " m",
       Object.entries(s.zones).map(([z, n]) => z + " " + n).join(", "),
       Object.entries(s.sellers).map(([z, n]) => z + " " + n).join(", ")]
        .forEach((v) => row.appendChild(el("td", {}, String(v))));
      c.appendChild(row);
    });
    if (!data.clusters.sites.length) {
      const row = el("tr");
      row.appendChild(el("td", { colspan: "7" }, "none"));
      c.appendChild(row);
    }
  }

  try {
    const data = JSON.parse(document.getElementById("satfence-data").textContent);
    cards(data);
    drawMap(data);
    drawPlots(data);
    drawSequential(data);
    drawTables(data);
  } catch (e) {
    fail(e && e.stack ? e.stack : e);
  }
  document.body.dataset.errors = String(errors.length);
  document.body.dataset.ready = "1";
})();

/* Grid incident pages: the report form's "use my position" button, the Leaflet maps of open cases and the
   ECharts bar chart by category. Data comes from json_script blocks in the page; nothing is fetched from
   outside (the tile layer only when the deployment configures a tile server). */
(function () {
  "use strict";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function geolocate(button) {
    var status = document.getElementById("geo-status");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    function say(text) { if (status) status.textContent = text; }
    if (!navigator.geolocation) { say(button.dataset.msgUnsupported); return; }
    say(button.dataset.msgLocating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      say(button.dataset.msgLocated.replace("{m}", Math.round(pos.coords.accuracy || 0)));
      document.body.dispatchEvent(new CustomEvent("located", { bubbles: true }));
    }, function () {
      say(button.dataset.msgFailed);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function drawMap(el) {
    if (!window.L) return;
    var d = read(el.dataset.incidentMap);
    if (!d) return;
    var markers = d.markers || [];
    var map = window.L.map(el, { scrollWheelZoom: false, attributionControl: !!d.attribution });
    if (d.tile_url) {
      window.L.tileLayer(d.tile_url, { maxZoom: 19, attribution: d.attribution || "" }).addTo(map);
    } else {
      el.classList.add("inc-map-blank");
    }
    var points = [];
    markers.forEach(function (m) {
      var marker = window.L.circleMarker([m.lat, m.lon], {
        radius: 8, weight: 2, color: m.overdue ? "#b00020" : "#1565c0", fillOpacity: 0.6
      }).addTo(map);
      var label = m.number + (m.label ? " · " + m.label : "");
      if (m.url) {
        var link = document.createElement("a");
        link.href = m.url;
        link.textContent = label;
        marker.bindPopup(link);
      } else {
        marker.bindTooltip(label);
      }
      points.push([m.lat, m.lon]);
    });
    if (points.length > 1) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 17 });
    } else if (points.length === 1) {
      map.setView(points[0], 16);
    } else if (d.center) {
      map.setView(d.center, 14);
    } else {
      el.hidden = true;
    }
  }

  function drawChart(el) {
    if (!window.echarts) return;
    var d = read(el.dataset.incidentChart);
    if (!d || !d.names.length) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var many = d.names.length > 6;
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: many ? 80 : 40 },
      xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: many ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: d.labels.open, type: "bar", stack: "open", data: d.open, itemStyle: { color: "#1565c0" } },
        { name: d.labels.overdue, type: "bar", stack: "open", data: d.overdue, itemStyle: { color: "#b00020" } },
        { name: d.labels.closed_month, type: "bar", data: d.closed_month, itemStyle: { color: "#2e7d32" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    document.querySelectorAll("[data-geolocate]").forEach(function (button) {
      button.addEventListener("click", function () { geolocate(button); });
    });
    document.querySelectorAll("[data-incident-map]").forEach(drawMap);
    document.querySelectorAll("[data-incident-chart]").forEach(drawChart);
  }

  document.addEventListener("DOMContentLoaded", init);
})();

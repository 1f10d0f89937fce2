/* Grid maps (templates/grids/): buildings as circle markers coloured by grid, grid outlines, the preview of a
   proposed partition, and the "move building" form. Data comes from <script id="grids-map-data">; labels from
   the map element's data-label-* attributes (translated by the page). No tile layer unless the server sets
   SHEQU_MAP_TILE_URL: the map then shows buildings and outlines on a blank background. */
(function () {
  "use strict";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354"];
  var NO_GRID = "#888888";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function start() {
    var el = document.getElementById("grids-map");
    var data = readJson("grids-map-data");
    if (!el || !data || typeof L === "undefined") { return; }
    var labels = el.dataset;
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!data.tiles });
    if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map); }
    var colours = {};
    (data.grids || []).forEach(function (g) { colours[g.code] = g.colour; });
    var bounds = L.latLngBounds([]);

    // Leaflet draws vector layers only on a map that has a view: collect them, fit the view, then add them.
    var outlines = L.layerGroup();
    (data.grids || []).forEach(function (g) {
      if (!g.outline || !g.outline.type) { return; }
      var layer = L.geoJSON(g.outline, { style: { color: g.colour, weight: 2, fillOpacity: 0.08 } });
      layer.bindTooltip(escapeHtml(g.name) + " " + escapeHtml(g.code));
      layer.addTo(outlines);
      bounds.extend(layer.getBounds());
    });

    var markers = {};
    var buildings = L.layerGroup();
    var features = data.buildings ? data.buildings.features : [];
    features.forEach(function (f) {
      if (!f.geometry) { return; }
      var p = f.properties;
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var marker = L.circleMarker(ll, {
        radius: 5, weight: 1, color: "#333", fillOpacity: 0.9, fillColor: colours[p.grid] || NO_GRID
      });
      marker.feature = f;
      marker.bindPopup(function () { return popup(f); });
      marker.addTo(buildings);
      markers[p.id] = marker;
      bounds.extend(ll);
    });

    function popup(f) {
      var p = f.properties;
      var html = "<strong>" + escapeHtml(p.address) + "</strong><br>" +
        escapeHtml(labels.labelHouseholds) + " " + p.households + " · " + escapeHtml(labels.labelPeople) + " " +
        p.people + "<br>" + escapeHtml(labels.labelGrid) + " " + (p.grid ? escapeHtml(p.grid) : escapeHtml(labels.labelNone));
      if (document.getElementById("grids-move")) {
        html += '<br><button type="button" class="link" data-move-building="' + p.id + '">' +
          escapeHtml(labels.labelMove) + "</button>";
      }
      return html;
    }

    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.1), { maxZoom: 18 });
    } else if (data.centre && data.centre[0] !== null) {
      map.setView(data.centre, 15);
    } else {
      map.setView([27.7, 112.0], 12);
    }
    outlines.addTo(map);
    buildings.addTo(map);

    var form = document.getElementById("grids-move");
    var select = document.getElementById("grids-move-building");
    function target(id) {
      if (!form) { return; }
      var url = form.dataset.urlTemplate.replace("/0/", "/" + id + "/");
      form.setAttribute("action", url);
      form.setAttribute("hx-post", url);
      if (window.htmx) { window.htmx.process(form); }
    }
    if (form && select) {
      select.addEventListener("change", function () { target(select.value); });
      if (select.value) { target(select.value); }
      map.on("popupopen", function (e) {
        var button = e.popup.getElement().querySelector("[data-move-building]");
        if (!button) { return; }
        button.addEventListener("click", function () {
          select.value = button.dataset.moveBuilding;
          target(select.value);
          map.closePopup();
          form.scrollIntoView({ behavior: "smooth", block: "center" });
          select.focus();
        });
      });
    }

    document.body.addEventListener("grids:moved", function (e) {
      var d = e.detail || {};
      var marker = markers[d.building];
      if (marker) {
        marker.feature.properties.grid = d.grid;
        marker.setStyle({ fillColor: d.colour || colours[d.grid] || NO_GRID });
      }
      if (select) {
        var option = select.querySelector('option[value="' + d.building + '"]');
        if (option) { option.textContent = option.textContent.replace(/（\d{3}）$/, "") + "（" + d.grid.slice(12) + "）"; }
      }
    });

    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail && e.detail.target && e.detail.target.id === "grids-preview") { showPreview(); }
    });
    showPreview();

    function showPreview() {
      var assignment = readJson("grids-preview-data");
      if (!assignment) { return; }
      Object.keys(markers).forEach(function (id) {
        var index = assignment[id];
        markers[id].setStyle({ fillColor: index === undefined ? NO_GRID : PALETTE[index % PALETTE.length] });
      });
      outlines.eachLayer(function (layer) { layer.setStyle({ opacity: 0.25, fillOpacity: 0 }); });
      document.querySelectorAll("#grids-preview .grids-swatch[data-index]").forEach(function (node) {
        node.style.background = PALETTE[Number(node.dataset.index) % PALETTE.length];
      });
      el.setAttribute("data-mode", "preview");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

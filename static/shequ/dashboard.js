/* Compliance dashboard charts (Apache ECharts, vendored). The figures are embedded in the page with
   json_script, so drawing needs no request; the HTMX swap of #dash brings new figures and redraws. */
(function () {
  "use strict";
  var charts = [];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function dispose() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  function make(el) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  function childrenOption(d, rule) {
    var c = d.children;
    var many = c.names.length > 12;
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      grid: { left: 48, right: 16, top: 24, bottom: many ? 96 : 64 },
      xAxis: { type: "category", data: c.names, axisLabel: { interval: 0, rotate: c.names.length > 5 ? 40 : 0 } },
      yAxis: percentAxis(),
      dataZoom: many ? [{ type: "slider", bottom: 8, startValue: 0, endValue: 19 }] : [],
      series: [{
        name: d.labels[rule] + " · " + d.rate,
        type: "bar",
        data: c.series[rule] || [],
        itemStyle: { color: "#c0392b" },
        label: { show: !many, position: "top", formatter: function (p) { return p.value == null ? "" : p.value + "%"; } }
      }]
    };
  }

  function trendOption(d) {
    var t = d.trend;
    var series = d.rules.map(function (rule) {
      return {
        name: d.labels[rule],
        type: "line",
        data: t.series[rule] || [],
        connectNulls: false,
        lineStyle: { width: rule === "all" ? 4 : 1.5 },
        symbolSize: rule === "all" ? 8 : 4
      };
    });
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: t.years.map(String) },
      yAxis: percentAxis(),
      series: series
    };
  }

  function communityOption(d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.years.map(String) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: d.labels.meets, type: "bar", stack: "n", data: d.meets, itemStyle: { color: "#2e7d32" } },
        { name: d.labels.short, type: "bar", stack: "n", data: d.short, itemStyle: { color: "#c0392b" } }
      ]
    };
  }

  function init() {
    if (!window.echarts) return;
    dispose();
    var d = read("dash-chart-data");
    if (d) {
      var barEl = document.querySelector('[data-chart="children"]');
      if (barEl) {
        var bar = make(barEl);
        bar.setOption(childrenOption(d, "all"));
        bar.on("click", function (p) {
          var link = d.children.links[p.dataIndex];
          if (link) window.location.href = link;
        });
        var pick = document.querySelector('[data-chart-rule="children"]');
        if (pick) pick.addEventListener("change", function () { bar.setOption(childrenOption(d, pick.value), true); });
      }
      var lineEl = document.querySelector('[data-chart="trend"]');
      if (lineEl) make(lineEl).setOption(trendOption(d));
    }
    var c = read("community-chart-data");
    var cEl = document.querySelector('[data-chart="community-trend"]');
    if (c && cEl) make(cEl).setOption(communityOption(c));
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.target && e.target.id === "dash") init();
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

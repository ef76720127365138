/* Charts drawn by the vendored Apache ECharts from data the page carries (a <script type="application/json">).
   <div class="chart" data-chart="ID"> draws the JSON of #ID: {kind: "bar", title, categories, series: [{name,
   values, percent}], percent}. Each chart has its table beside it, so nothing is only in the picture. */
(function () {
  "use strict";

  function percentText(value) {
    return value === null || value === undefined ? "" : (value * 100).toFixed(2) + "%";
  }

  function option(data) {
    var percent = !!data.percent;
    return {
      animation: false,
      color: ["#1f6fb2", "#e3a21a", "#c0392b", "#3c9d5d"],
      title: data.title ? { text: data.title, left: "center", textStyle: { fontSize: 14 } } : undefined,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: percent ? percentText : undefined,
      },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: data.title ? 36 : 16, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: {
        type: "value",
        axisLabel: percent ? { formatter: function (v) { return Math.round(v * 100) + "%"; } } : {},
      },
      series: data.series.map(function (series) {
        return { name: series.name, type: series.type || "bar", data: series.values, barMaxWidth: 28 };
      }),
    };
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) return;
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(source.textContent)));
    element.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();

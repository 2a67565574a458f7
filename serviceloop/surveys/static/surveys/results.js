// Charts of a wave's results, drawn from the JSON the page embeds (no network access needed).
(function () {
  var holder = document.getElementById("results-data");
  if (!holder || typeof echarts === "undefined") return;
  var r = JSON.parse(holder.textContent);
  if (r.empty) return;
  var names = r.dimension_titles || {};
  var charts = [];
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }
  function round(v) { return v === null || v === undefined ? null : Math.round(v * 10) / 10; }
  var dims = r.dimensions || [];
  var series = [{ name: "感知 / 指数", type: "bar", data: dims.map(function (d) { return round(d.index); }), label: { show: true, position: "top" } }];
  if (r.has_gap) series.push({ name: "期望", type: "bar", data: dims.map(function (d) { return round(d.expectation); }) });
  draw("chart-dims", {
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 10, top: 30, bottom: 60 },
    xAxis: { type: "category", data: dims.map(function (d) { return names[d.dimension] || d.dimension; }), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", min: 0, max: 100 }, series: series, animation: false
  });
  if (r.drivers) {
    var t = r.drivers.table;
    draw("chart-ipa", {
      tooltip: { formatter: function (p) { return p.data[2] + "<br>重要性 " + p.data[0].toFixed(3) + "<br>表现 " + p.data[1].toFixed(1); } },
      grid: { left: 50, right: 30, top: 20, bottom: 40 },
      xAxis: { name: "重要性", nameLocation: "middle", nameGap: 25, type: "value", scale: true },
      yAxis: { name: "表现", type: "value", scale: true },
      series: [{
        type: "scatter", symbolSize: 16, animation: false,
        data: t.map(function (d) { return [d.importance, d.performance, names[d.predictor] || d.predictor, d.quadrant]; }),
        itemStyle: { color: function (p) { return p.data[3] === "fix_first" ? "#dc3545" : "#0d6efd"; } },
        label: { show: true, position: "right", formatter: function (p) { return p.data[2]; } },
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#888" },
          data: [{ xAxis: r.drivers.importance_split }, { yAxis: r.drivers.performance_split }] }
      }]
    });
  }
  var segs = (r.segments || []).filter(function (s) { return s.segment !== "__total__"; });
  draw("chart-segments", {
    tooltip: { trigger: "axis" }, grid: { left: 40, right: 10, top: 20, bottom: 70 },
    xAxis: { type: "category", data: segs.map(function (s) { return (s.segment || "—") + (s.small ? " *" : ""); }), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{ type: "bar", data: segs.map(function (s) { return { value: round(s.overall), itemStyle: { color: s.small ? "#adb5bd" : "#0d6efd" } }; }), label: { show: true, position: "top" } }],
    animation: false
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

// KPI pages: charts drawn from the JSON the page embedded (script#kpi-chart-data); no inline scripts.
(function () {
  function init() {
    var script = document.getElementById("kpi-chart-data");
    if (!script || !window.echarts) return;
    var d = JSON.parse(script.textContent), T = d.text;
    var trend = document.querySelector('[data-kpi-chart="trend"]');
    if (trend) {
      var chart = window.echarts.init(trend), pick = document.querySelector("[data-kpi-series]");
      var draw = function (i) {
        var s = d.series[i]; if (!s) return;
        var series = [{name: T.value, type: "line", data: s.values, connectNulls: true, label: {show: true}}];
        if (s.target !== null) series.push({name: T.target, type: "line", data: d.labels.map(function () { return s.target; }),
          lineStyle: {type: "dashed"}, symbol: "none"});
        chart.setOption({title: {text: s.name + " (" + s.unit + ")", textStyle: {fontSize: 12}}, tooltip: {trigger: "axis"},
          legend: {top: 0, right: 0}, grid: {left: 50, right: 20, top: 40, bottom: 30},
          xAxis: {type: "category", data: d.labels}, yAxis: {type: "value", scale: true}, series: series}, true);
      };
      draw(0);
      if (pick) pick.addEventListener("change", function () { draw(parseInt(pick.value, 10)); });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var compare = document.querySelector('[data-kpi-chart="compare"]');
    if (compare) {
      var c = window.echarts.init(compare), series = [{name: T.value, type: "bar", data: d.values}];
      if (d.target !== null) series[0].markLine = {symbol: "none", data: [{yAxis: d.target, name: T.target}]};
      c.setOption({tooltip: {trigger: "axis"}, grid: {left: 50, right: 20, top: 20, bottom: 80},
        xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}}, yAxis: {type: "value", scale: true}, series: series});
      window.addEventListener("resize", function () { c.resize(); });
    }
  }
  document.addEventListener("DOMContentLoaded", init);
})();

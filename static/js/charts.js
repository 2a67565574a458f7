// Draws the charts whose data the page embedded as JSON; no network access needed.
(function () {
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  window.ServiceLoopCharts = {
    bar: function (el, labels, values) {
      draw(el, {
        tooltip: {}, grid: { left: 40, right: 10, top: 20, bottom: 30 },
        xAxis: { type: "category", data: labels }, yAxis: { type: "value" },
        series: [{ type: "bar", data: values, label: { show: true, position: "top" } }]
      });
    },
    pie: function (el, data) {
      draw(el, {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data, label: { formatter: "{b}\n{c}" } }]
      });
    }
  };
})();

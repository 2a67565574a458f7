// Small page behaviours, declared in the templates with data attributes, so that no page needs inline
// event handlers (the Content-Security-Policy allows scripts only from this site or with the page's nonce).
//   <form data-confirm="…">, <button data-confirm="…">   ask before submitting / following
//   <form data-busy>                                      disable its buttons (and show a spinner) once sent;
//                                                         a button's own data-busy="…" replaces its text
//   <textarea data-count="CSS selector">                  show the number of characters typed there
//   <input type=file data-max-bytes="n" data-too-large="…" data-error="CSS selector">
//                                                         refuse a file over n bytes at once, saying why there
//   <select data-autosubmit>                              submit the form when the choice changes
//   <select data-clears="name">                           empty the form's field of that name when the choice
//                                                         changes, before the form is read (a station, its route)
//   <button data-print>                                   print the page
//   <a data-check="CSS selector">                         tick that radio / checkbox
//   <input type=checkbox data-check-all="CSS selector">   tick / untick every checkbox it names
//   <span data-export-href="…">                           point #export-link at the filtered export
//   <script id="trade-data" type="application/json">       draw the shop sales panel's charts (ECharts)
//   <script id="pareto-chart-data" type="application/json"> draw a Pareto (bars + cumulative %) in [data-pareto-chart]
(function () {
  function apply(root) {
    var link = document.getElementById("export-link");
    if (link && root.querySelectorAll) {
      root.querySelectorAll("[data-export-href]").forEach(function (el) { link.href = el.dataset.exportHref; });
    }
    if (root.querySelectorAll && window.echarts) root.querySelectorAll("script#trade-data").forEach(tradeCharts);
    if (root.querySelectorAll && window.echarts) root.querySelectorAll("script#pareto-chart-data").forEach(paretoChart);
  }
  // A Pareto of counts by reason: {labels, values, cumulative, names: {count, cumulative}}.
  function paretoChart(script) {
    var d = JSON.parse(script.textContent), box = document.querySelector("[data-pareto-chart]");
    if (!box || !d.labels.length) return;
    window.echarts.init(box).setOption({tooltip: {trigger: "axis"}, legend: {data: [d.names.count, d.names.cumulative]},
      grid: {left: 40, right: 40, top: 30, bottom: 60},
      xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}},
      yAxis: [{type: "value"}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
      series: [{name: d.names.count, type: "bar", data: d.values},
               {name: d.names.cumulative, type: "line", yAxisIndex: 1, data: d.cumulative}]});
  }
  // The shop's sales panel (trade/_shop_panel.html): data and labels come as JSON next to the chart boxes.
  function tradeCharts(script) {
    var d = JSON.parse(script.textContent), L = d.labels, panel = script.parentNode;
    function chart(kind, option) {
      var box = panel.querySelector('[data-trade-chart="' + kind + '"]');
      if (box) window.echarts.init(box).setOption(option);
    }
    chart("weekly", {tooltip: {trigger: "axis"}, legend: {data: [L.cartons, L.amount]},
      xAxis: {type: "category", data: d.weeks}, yAxis: [{type: "value"}, {type: "value"}],
      series: [{name: L.cartons, type: "bar", data: d.volume},
               {name: L.amount, type: "line", yAxisIndex: 1, data: d.amount}]});
    chart("classes", {title: {text: L.classes, textStyle: {fontSize: 12}}, tooltip: {},
      series: [{type: "pie", radius: "55%", data: d.classes.map(function (v, i) { return {name: L.class_names[i], value: v}; })}]});
    chart("brands", {title: {text: L.brands, textStyle: {fontSize: 12}}, tooltip: {},
      series: [{type: "pie", radius: "55%", data: d.brands.map(function (b) { return {name: b[0], value: b[1]}; })}]});
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
    var submitter = e.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) { e.preventDefault(); return; }
    if (form.hasAttribute("data-busy")) {
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) {
          b.disabled = true; if (b.dataset.busy) b.textContent = b.dataset.busy;
        });
        var spinner = form.querySelector(".spinner-border"); if (spinner) spinner.classList.remove("d-none");
      }, 0);
    }
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("a[data-confirm]") : null;
    if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); return; }
    var printer = e.target.closest ? e.target.closest("[data-print]") : null;
    if (printer) { e.preventDefault(); window.print(); return; }
    var checker = e.target.closest ? e.target.closest("[data-check]") : null;
    if (checker) { var input = document.querySelector(checker.dataset.check); if (input) input.checked = true; }
  });
  document.addEventListener("input", function (e) {
    var shown = e.target.dataset && e.target.dataset.count ? document.querySelector(e.target.dataset.count) : null;
    if (shown) shown.textContent = e.target.value.length;
  });
  // A photo over the server's limit is refused here at once, not after a long upload on a village network.
  function checkSize(input) {
    var f = input.files && input.files[0], error = document.querySelector(input.dataset.error);
    if (error) error.textContent = "";
    if (f && f.size > parseInt(input.dataset.maxBytes, 10)) {
      if (error) error.textContent = input.dataset.tooLarge;
      input.value = "";
    }
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("input[type=file][data-max-bytes]")) checkSize(e.target);
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) e.target.form.submit();
    if (e.target.matches && e.target.matches("[data-check-all]")) {
      document.querySelectorAll(e.target.dataset.checkAll).forEach(function (box) { box.checked = e.target.checked; });
    }
  });
  // In the capture phase, so the field is empty before HTMX (listening on the select itself) reads the form.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-clears]") && el.form && el.form.elements[el.dataset.clears]) {
      el.form.elements[el.dataset.clears].value = "";
    }
  }, true);
  // Options HTMX put into a select out of band: Chromium then shows the last of them, not the one the server
  // marked selected (seen with the customer list's route filter), so choose that one again.
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    var select = e.detail.target;
    if (select && select.tagName === "SELECT") {
      var marked = select.querySelector("option[selected]");
      select.value = marked ? marked.value : "";
    }
  });
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function (e) { apply(e.target); });
})();

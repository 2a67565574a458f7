// Small page behaviours, declared in the templates with data attributes, so that no page needs inline
// event handlers (the Content-Security-Policy allows scripts only from this site or with the page's nonce).
//   <form data-confirm="…">, <button data-confirm="…">   ask before submitting / following
//   <form data-busy>                                      disable its buttons (and show a spinner) once sent
//   <select data-autosubmit>                              submit the form when the choice changes
//   <button data-print>                                   print the page
//   <a data-check="CSS selector">                         tick that radio / checkbox
//   <span data-export-href="…">                           point #export-link at the filtered export
(function () {
  function apply(root) {
    var link = document.getElementById("export-link");
    if (link && root.querySelectorAll) {
      root.querySelectorAll("[data-export-href]").forEach(function (el) { link.href = el.dataset.exportHref; });
    }
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
    var submitter = e.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) { e.preventDefault(); return; }
    if (form.hasAttribute("data-busy")) {
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
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
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) e.target.form.submit();
  });
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function (e) { apply(e.target); });
})();

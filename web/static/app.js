// pasched: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // A failed form's error summary takes focus, so a screen reader reads it
  // first and a keyboard user can follow its links to the fields.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
  // The summary's links move focus to the field, not just scroll to it.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest(".error-summary a[href^='#']");
    if (!a) return;
    var el = document.getElementById(a.getAttribute("href").slice(1));
    if (el) { e.preventDefault(); el.focus(); }
  });
})();

/* Behaviour every page shares, kept out of the HTML so that the Content-Security-Policy needs no inline script
   or style (festival/settings/base.py):
   - <form data-confirm="Question?">: asks before sending;
   - <button data-back>: goes back one page;
   - data-width="42" (percent) and data-height="300" (pixels): sizes known only on the server (progress bars,
     charts), set through element.style, which the policy allows (a style="…" attribute it refuses).
   htmx:load runs for the page and again for every piece htmx puts in (a progress bar that refreshes itself). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-back]");
    if (button) {
      event.preventDefault();
      window.history.back();
    }
  });

  function size(root) {
    if (!root.querySelectorAll) { return; }
    var all = Array.prototype.slice.call(root.querySelectorAll("[data-width], [data-height]"));
    if (root.matches && root.matches("[data-width], [data-height]")) { all.push(root); }
    all.forEach(function (element) {
      if (element.dataset.width !== undefined) { element.style.width = element.dataset.width + "%"; }
      if (element.dataset.height !== undefined) { element.style.height = element.dataset.height + "px"; }
    });
  }

  if (window.htmx) {
    document.addEventListener("htmx:load", function (event) { size(event.detail.elt); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { size(document.body); });
  }
  size(document.body);
})();

/* roamwatch: "Copy link" and "Cite this" (no request leaves the page: the link and the
   citation are built from the address bar). */
(function () {
  function pageUrl(anchor) {
    var url = window.location.origin + window.location.pathname + window.location.search;
    return anchor ? url + "#" + anchor : url;
  }
  function today() {
    return new Date().toISOString().slice(0, 10);
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallback(text); });
    }
    return Promise.resolve(fallback(text));
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the link is still shown below */ }
    document.body.removeChild(area);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".rw-copy-link");
    if (!button) { return; }
    var url = pageUrl(button.getAttribute("data-anchor"));
    button.setAttribute("data-copied", url);
    var status = button.querySelector(".rw-copy-status");
    copyText(url).then(function () {
      if (status) { status.textContent = " · " + status.getAttribute("data-done"); }
    });
  });
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("rw-cite") || !box.open) { return; }
    box.querySelectorAll("[data-template]").forEach(function (node) {
      node.textContent = node.getAttribute("data-template")
        .split("{url}").join(pageUrl(node.getAttribute("data-anchor")))
        .split("{date}").join(today());
    });
  }, true);
})();

/* Numbers in the data grid, rounded for reading in the page's language (the downloads keep
   every digit): to the digits of the value's kind when the row gives them (shares 1, scores
   and counts 0, indices 2: the rule of every page); else thousands without decimals, others
   to two decimals, small ones to four significant digits. */
window.dashAgGridFunctions = window.dashAgGridFunctions || {};
window.dashAgGridFunctions.rwNumber = function (value, lang, digits) {
  if (value === null || value === undefined || value === "" || isNaN(value)) { return "–"; }
  var locales = {en: "en-GB", fr: "fr-FR", es: "es-ES", ar: "ar-u-nu-latn", ru: "ru-RU", zh: "zh-CN"};
  var abs = Math.abs(value);
  // the digits of the value's kind (shares 1, scores and counts 0, indices 2), as on every page
  if (typeof digits === "number" && value !== 0 && Number(Math.abs(value).toFixed(digits)) === 0) {
    digits = Math.max(digits, 1 - Math.floor(Math.log10(abs)));  // never write a non-zero as 0
  }
  var options = typeof digits === "number" ? {minimumFractionDigits: digits, maximumFractionDigits: digits}
    : abs >= 1000 ? {maximumFractionDigits: 0}
    : abs >= 1 || abs === 0 ? {maximumFractionDigits: 2}
    : {maximumSignificantDigits: 4};
  return new Intl.NumberFormat(locales[lang] || "en-GB", options).format(value);
};

/* Words Dash's components write in English with no property to change them (the buttons of a
   number input say "Decrease value" / "Increase value" to screen readers): relabelled with the
   page language's words, which the server sends with the page's language (app.builtin_labels),
   now and whenever such a component appears. */
(function () {
  var labels = {};
  var SELECTOR = ".dash-input-stepper[aria-label]";
  function relabel(root) {
    if (!root.querySelectorAll) { return; }
    var nodes = root.matches && root.matches(SELECTOR) ? [root] : [];
    nodes = nodes.concat(Array.prototype.slice.call(root.querySelectorAll(SELECTOR)));
    nodes.forEach(function (node) {
      var english = node.getAttribute("data-rw-label") || node.getAttribute("aria-label");
      if (labels[english] && node.getAttribute("aria-label") !== labels[english]) {
        node.setAttribute("data-rw-label", english);
        node.setAttribute("aria-label", labels[english]);
      }
    });
  }
  window.roamwatchRelabel = function (chosen) {
    labels = chosen || {};
    relabel(document);
  };
  new MutationObserver(function (records) {
    records.forEach(function (record) { record.addedNodes.forEach(relabel); });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();

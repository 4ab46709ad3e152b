// The brief page's "Print or save as PDF" button (served from this server: the page's
// Content-Security-Policy allows no inline script). Without script the button stays hidden.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("b-print");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

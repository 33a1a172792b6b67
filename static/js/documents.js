// Printed documents: the toolbar's print button (Ctrl+P works as usual); Esc goes back.
// On a screen narrower than the paper (a phone) the sheet is scaled to fit, its layout unchanged.
function fitSheet() {
  const sheet = document.querySelector(".sheet");
  if (!sheet) return;
  sheet.style.zoom = "";
  const room = document.documentElement.clientWidth - 16;
  const scale = room / sheet.offsetWidth;
  if (scale < 1) sheet.style.zoom = String(Math.max(scale, 0.3));
}
window.addEventListener("resize", fitSheet);
document.addEventListener("DOMContentLoaded", () => {
  fitSheet();
  const print = document.getElementById("doc-print");
  if (print) print.addEventListener("click", () => window.print());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { const back = document.getElementById("doc-back"); if (back) back.click(); }
  });
});

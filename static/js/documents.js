// Printed documents: the toolbar's print button (Ctrl+P works as usual); Esc goes back.
document.addEventListener("DOMContentLoaded", () => {
  const print = document.getElementById("doc-print");
  if (print) print.addEventListener("click", () => window.print());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { const back = document.getElementById("doc-back"); if (back) back.click(); }
  });
});

// Our partials answer refusals with 4xx and a Chinese message: swap them in like any answer.
if (window.htmx) {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "5..", swap: false, error: true },
  ];
}

// Send Django's CSRF token with every htmx request.
document.addEventListener("htmx:configRequest", (event) => {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) event.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
});

// Keyboard: Alt+1..9 follows the n-th menu entry; "/" focuses the page's search box.
document.addEventListener("keydown", (event) => {
  if (event.altKey && /^[1-9]$/.test(event.key)) {
    const links = document.querySelectorAll(".nav a");
    const link = links[Number(event.key) - 1];
    if (link) { event.preventDefault(); link.click(); }
  }
  const tag = (event.target.tagName || "").toLowerCase();
  if (event.key === "/" && !["input", "textarea", "select"].includes(tag)) {
    const search = document.querySelector("[data-search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});

// Print buttons: data-print="a4" or "narrow" (80 mm receipt printer, see print.css).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (!button) return;
  document.body.classList.toggle("narrow", button.dataset.print === "narrow");
  window.print();
});

// Selects that submit their form when changed: no inline handlers (the Content-Security-Policy forbids them).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// Phone: the menu button opens and closes the main menu (the CSS hides it below 720 px).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("#nav-toggle");
  if (!toggle) return;
  const open = toggle.closest(".topbar").classList.toggle("nav-open");
  toggle.setAttribute("aria-expanded", String(open));
});

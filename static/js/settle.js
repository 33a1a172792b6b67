// The window's settlement page: F5 试算, F9 opens the confirmation (amounts, cash due, cash received,
// change), Enter confirms, Esc cancels. Money is computed in cents (integers), never in floats.
(function () {
  const dialog = document.getElementById("settle-dialog");

  function cents(text) {
    const m = String(text || "").trim().replace(/^¥/, "").match(/^(\d{1,9})(?:\.(\d{0,2}))?$/);
    if (!m) return null;
    return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
  }
  function yuan(c) {
    const sign = c < 0 ? "-" : "";
    const a = Math.abs(c);
    return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
  }
  function recompute() {
    const due = cents(document.getElementById("cash-due")?.dataset.cents);
    const input = document.getElementById("cash-received");
    const out = document.getElementById("cash-change");
    const error = document.getElementById("cash-error");
    const confirm = document.getElementById("confirm-settle");
    if (!input || due === null) return true;
    const raw = input.value.trim();
    let ok = true;
    error.hidden = true;
    if (!raw) { out.textContent = "—"; }
    else {
      const got = cents(raw);
      if (got === null) { ok = false; error.textContent = "实收现金须为金额，如 500 或 500.00。"; error.hidden = false; out.textContent = "—"; }
      else if (got < due) { ok = false; error.textContent = `实收不足：还差 ¥${yuan(due - got)}。`; error.hidden = false; out.textContent = "—"; }
      else out.textContent = `¥${yuan(got - due)}`;
    }
    if (confirm) confirm.disabled = !ok;
    return ok;
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (!dialog || event.detail.target.id !== "settle-dialog-body") return;
    if (!dialog.open) dialog.showModal();
    const input = document.getElementById("cash-received");
    if (input) { input.focus(); input.addEventListener("input", recompute); }
    else document.querySelector("#settle-dialog [data-close-dialog]")?.focus();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-dialog]") && dialog) dialog.close();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "F5") { const b = document.getElementById("pre-settle"); if (b) { event.preventDefault(); b.click(); } }
    if (event.key === "F9") { const b = document.getElementById("settle"); if (b && !(dialog && dialog.open)) { event.preventDefault(); b.click(); } }
    if (event.key === "Enter" && event.target.id === "cash-received") {
      event.preventDefault();
      const confirm = document.getElementById("confirm-settle");
      if (recompute() && confirm) confirm.click();
    }
  });
  const form = document.getElementById("settle-form");
  if (form) form.addEventListener("submit", (event) => { if (!recompute()) event.preventDefault(); });
})();

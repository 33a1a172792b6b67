// Type-ahead over a <select data-combo>: a text box filters the options by name, code, full pinyin or
// initials (option data-keys), case-insensitively and anywhere inside; ↑/↓ move, Enter picks, Esc
// restores. The <select> stays in the form and carries the value (its "change" event still fires, so
// htmx and other listeners work). data-filter-by="department" shows only the options whose
// data-department equals #department's value (wards and doctors of the chosen department).
(function () {
  function text(option) { return option.textContent.trim(); }

  function attach(select) {
    if (select.dataset.comboReady) return;
    select.dataset.comboReady = "1";
    const wrap = document.createElement("div");
    wrap.className = "combo picker";
    select.before(wrap);
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.id = `${select.id}-q`;
    input.className = "combo-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.placeholder = select.dataset.comboPlaceholder || "输入名称、拼音首字母或编码";
    const label = document.querySelector(`label[for="${select.id}"]`);
    if (label) label.htmlFor = input.id;
    const list = document.createElement("ul");
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrap.append(input, list);
    wrap.append(select);
    select.classList.add("combo-source");
    select.tabIndex = -1;
    let shown = [];
    let active = -1;

    const filterBy = select.dataset.filterBy ? document.getElementById(select.dataset.filterBy) : null;
    function allowed(option) {
      if (!filterBy || !option.dataset.department) return true;
      return option.dataset.department === filterBy.value;
    }
    function sync() {
      const option = select.selectedOptions[0];
      input.value = option && allowed(option) ? text(option) : "";
    }
    function render() {
      list.innerHTML = "";
      shown.forEach((option, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = i === active ? "active" : "";
        const main = document.createElement("span");
        main.className = "main";
        main.textContent = text(option);
        li.append(main);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
        list.append(li);
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", String(!list.hidden));
      const current = list.children[active];
      if (current) current.scrollIntoView({ block: "nearest" });
    }
    function search(all) {
      const q = all ? "" : input.value.trim().toLowerCase();
      shown = [...select.options].filter((o) => allowed(o) && (!q || `${text(o)} ${o.dataset.keys || ""}`.toLowerCase().includes(q)));
      active = shown.length ? Math.max(0, shown.indexOf(select.selectedOptions[0])) : -1;
      render();
    }
    function choose(i) {
      const option = shown[i];
      if (!option) return;
      const changed = select.value !== option.value;
      select.value = option.value;
      input.value = text(option);
      shown = []; render();
      if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    let closing = null;  // the blur's pending close: cancelled when the box is focused again
    input.addEventListener("focus", () => { clearTimeout(closing); input.select(); search(true); });
    input.addEventListener("input", () => search(false));
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") { e.preventDefault(); if (!shown.length) search(true); else { active = (active + 1) % shown.length; render(); } }
      else if (e.key === "ArrowUp" && shown.length) { e.preventDefault(); active = (active - 1 + shown.length) % shown.length; render(); }
      else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        if (shown.length && active >= 0) { e.preventDefault(); choose(active); }
        const fields = [...input.form.querySelectorAll("input:not([type=hidden]), select:not(.combo-source), textarea")].filter((f) => !f.disabled && f.offsetParent !== null);
        const next = fields[fields.indexOf(input) + 1];
        if (next) { e.preventDefault(); next.focus(); }
      }
      else if (e.key === "Escape") { shown = []; render(); sync(); }
    });
    input.addEventListener("blur", () => {
      clearTimeout(closing);
      closing = setTimeout(() => { if (document.activeElement !== input) { shown = []; render(); sync(); } }, 150);
    });
    select.addEventListener("change", sync);
    // Options replaced by htmx (free beds of a ward): show the new selection.
    select.addEventListener("htmx:afterSwap", sync);
    if (filterBy) {
      filterBy.addEventListener("change", () => {
        const current = select.selectedOptions[0];
        if (!current || !allowed(current)) {
          const first = [...select.options].find(allowed);
          if (first) { select.value = first.value; select.dispatchEvent(new Event("change", { bubbles: true })); }
        }
        sync();
      });
      const current = select.selectedOptions[0];
      if (!current || !allowed(current)) {
        const first = [...select.options].find(allowed);
        if (first) { select.value = first.value; select.dispatchEvent(new Event("change", { bubbles: true })); }
      }
    }
    sync();
  }

  window.attachCombo = attach;
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("select[data-combo]").forEach(attach));
})();

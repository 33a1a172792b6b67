// Keyboard pickers shared by every page: <input data-picker="/api/…" data-picker-kind="item|diagnosis|hospital-item">.
// Typing searches (debounced), ↑/↓ move, Enter picks, Esc closes; a pick dispatches "picker:pick"
// on the input with the chosen row as event.detail.
(function () {
  const CLASS_LABELS = { A: "甲类", B: "乙类", C: "丙类" };
  const CATEGORY_LABELS = { acute: "急性病", general: "一般疾病", chronic: "慢性病", specified: "特定病种" };

  const LINES = {
    item(item) {
      const klass = CLASS_LABELS[item.insurance_class] || item.insurance_class;
      const pack = Number(item.pack_size) > 1 ? ` · ${Number(item.pack_size)}${item.min_unit || ""}/${item.unit}` : "";
      const flags = [item.restricted ? "限" : "", item.non_payable ? "不予支付" : ""].filter(Boolean).join(" ");
      return { main: `${item.name} ${item.specification || ""}`.trim(), sub: `${item.code} · ${klass}${pack}${flags ? " · " + flags : ""}` };
    },
    diagnosis(d) {
      const cat = d.rx2_category || d.category || {};
      const label = typeof cat === "string" ? CATEGORY_LABELS[cat] || cat : (CATEGORY_LABELS[cat.category] || "") + (cat.disease ? `（${cat.disease}）` : "");
      return { main: `${d.code} ${d.name}`, sub: d.implausible || label || "", warn: Boolean(d.implausible) };
    },
    "hospital-item"(h) {
      return { main: `${h.name} ${h.specification || ""}`.trim(), sub: `${h.code} · ¥${h.price}${h.mapped ? "" : " · 未对照（全自费）"}` };
    },
  };
  window.pickerLine = (kind, row) => (LINES[kind] || LINES.item)(row);

  function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }

  function attach(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    const kind = input.dataset.pickerKind || "item";
    const list = document.createElement("ul");
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.after(list);
    let results = [];
    let active = -1;

    function render() {
      list.innerHTML = "";
      results.forEach((r, i) => {
        const line = window.pickerLine(kind, r);
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = i === active ? "active" : "";
        li.innerHTML = `<span class="main"></span><span class="sub"></span>`;
        li.querySelector(".main").textContent = line.main;
        li.querySelector(".sub").textContent = line.sub;
        if (line.warn) li.classList.add("implausible");
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
    }
    const search = debounce(async () => {
      const q = input.value.trim();
      if (!q) { results = []; render(); return; }
      const base = input.dataset.picker;
      const resp = await fetch(`${base}${base.includes("?") ? "&" : "?"}q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!resp.ok) return;
      const body = await resp.json();
      results = (Array.isArray(body) ? body : body.results || []).slice(0, 12);
      active = results.length ? 0 : -1;
      render();
    }, 120);
    function choose(i) {
      const row = results[i];
      if (!row) return;
      results = []; render();
      input.dispatchEvent(new CustomEvent("picker:pick", { detail: row, bubbles: true }));
    }
    input.addEventListener("input", (e) => { e.stopPropagation(); input.dispatchEvent(new CustomEvent("picker:typing", { bubbles: true })); search(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && results.length) { e.preventDefault(); active = (active + 1) % results.length; render(); }
      else if (e.key === "ArrowUp" && results.length) { e.preventDefault(); active = (active - 1 + results.length) % results.length; render(); }
      else if (e.key === "Enter") { e.preventDefault(); if (active >= 0) choose(active); }
      else if (e.key === "Escape") { results = []; render(); }
    });
    input.addEventListener("blur", () => setTimeout(() => { results = []; render(); }, 150));
  }
  window.attachPicker = attach;

  // Diagnosis chips: a picked diagnosis becomes <li class="chip"><input name="diagnosis"> …</li>.
  // A code that does not fit the patient's sex or age (DRG-1) is not added: the reason shows instead.
  window.addDiagnosisChip = function (chips, d) {
    let notice = chips.parentElement.querySelector(".dx-refused");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "dx-refused field-error";
      notice.setAttribute("role", "alert");
      chips.before(notice);
    }
    notice.hidden = !d.implausible;
    notice.textContent = d.implausible || "";
    if (d.implausible) return false;
    if ([...chips.querySelectorAll("input")].some((i) => i.value === d.code)) return false;
    const li = document.createElement("li");
    li.className = "chip";
    li.innerHTML = `<input type="hidden" name="diagnosis"><span></span> <button type="button" class="chip-x" aria-label="删除诊断">×</button>`;
    li.querySelector("input").value = d.code;
    li.querySelector("span").textContent = `${d.code} ${d.name}`;
    chips.appendChild(li);
    return true;
  };
  document.addEventListener("click", (e) => {
    if (!e.target.classList.contains("chip-x")) return;
    const chip = e.target.closest(".chip");
    const chips = chip.parentElement;
    chip.remove();
    chips.dispatchEvent(new CustomEvent("chips:changed", { bubbles: true }));
  });

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-picker]").forEach(attach));
})();

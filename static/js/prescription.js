// Prescription composer: keyboard pickers for items and diagnoses, rows, and the live check trigger.
(function () {
  const form = document.getElementById("rx-form");
  if (!form) return;
  const CLASS_LABELS = { A: "甲类", B: "乙类", C: "丙类" };
  const CATEGORY_LABELS = { acute: "急性病", general: "一般疾病", chronic: "慢性病", specified: "特定病种" };

  function recheck() { form.dispatchEvent(new Event("rx-changed")); }
  function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; }

  function itemLine(item) {
    const klass = CLASS_LABELS[item.insurance_class] || item.insurance_class;
    const pack = Number(item.pack_size) > 1 ? ` · ${Number(item.pack_size)}${item.min_unit || ""}/${item.unit}` : "";
    const flags = [item.restricted ? "限" : "", item.non_payable ? "不予支付" : ""].filter(Boolean).join(" ");
    return { main: `${item.name} ${item.specification || ""}`, sub: `${item.code} · ${klass}${pack}${flags ? " · " + flags : ""}` };
  }
  function diagnosisLine(d) {
    const cat = d.rx2_category || d.category || {};
    const label = typeof cat === "string" ? CATEGORY_LABELS[cat] || cat : (CATEGORY_LABELS[cat.category] || "") + (cat.disease ? `（${cat.disease}）` : "");
    return { main: `${d.code} ${d.name}`, sub: label || "" };
  }

  // One dropdown per picker input; ↑/↓ move, Enter picks, Esc closes.
  function attachPicker(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
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
        const line = input.dataset.pickerKind === "item" ? itemLine(r) : diagnosisLine(r);
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = i === active ? "active" : "";
        li.innerHTML = `<span class="main"></span><span class="sub"></span>`;
        li.querySelector(".main").textContent = line.main;
        li.querySelector(".sub").textContent = line.sub;
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
    }
    const search = debounce(async () => {
      const q = input.value.trim();
      if (!q) { results = []; render(); return; }
      const resp = await fetch(`${input.dataset.picker}?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!resp.ok) return;
      const body = await resp.json();
      results = (Array.isArray(body) ? body : body.results || []).slice(0, 12);
      active = results.length ? 0 : -1;
      render();
    }, 120);

    function choose(i) {
      const r = results[i];
      if (!r) return;
      results = []; render();
      if (input.dataset.pickerKind === "item") pickItem(input, r); else pickDiagnosis(input, r);
    }
    input.addEventListener("input", (e) => {
      e.stopPropagation(); // typing in a picker is not yet a change to the prescription
      if (input.dataset.pickerKind === "item") {
        const row = input.closest("tr");
        row.querySelector(".rx-code").value = "";
        row.querySelector(".rx-label").value = "";
      }
      search();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && results.length) { e.preventDefault(); active = (active + 1) % results.length; render(); }
      else if (e.key === "ArrowUp" && results.length) { e.preventDefault(); active = (active - 1 + results.length) % results.length; render(); }
      else if (e.key === "Enter") { e.preventDefault(); if (active >= 0) choose(active); }
      else if (e.key === "Escape") { results = []; render(); }
    });
    input.addEventListener("blur", () => setTimeout(() => { results = []; render(); }, 150));
  }

  function pickItem(input, item) {
    const row = input.closest("tr");
    const line = itemLine(item);
    input.value = line.main.trim();
    row.querySelector(".rx-code").value = item.code;
    row.querySelector(".rx-label").value = input.value;
    row.querySelector(".rx-item-meta").textContent = line.sub;
    row.querySelector(".rx-unit").textContent = item.unit || "";
    row.querySelector(".rx-dose-unit").textContent = item.min_unit || item.unit || "";
    const qty = row.querySelector(".rx-qty");
    if (!qty.value) qty.value = "1";
    qty.focus();
    qty.select();
    recheck();
  }

  function pickDiagnosis(input, d) {
    const chips = document.getElementById("dx-chips");
    if (![...chips.querySelectorAll("input")].some((i) => i.value === d.code)) {
      const li = document.createElement("li");
      li.className = "chip";
      li.innerHTML = `<input type="hidden" name="diagnosis"><span></span> <button type="button" class="chip-x" aria-label="删除诊断">×</button>`;
      li.querySelector("input").value = d.code;
      li.querySelector("span").textContent = `${d.code} ${d.name}`;
      chips.appendChild(li);
    }
    input.value = "";
    refreshDiagnosisSelects();
    recheck();
  }

  function refreshDiagnosisSelects() {
    const codes = [...document.querySelectorAll("#dx-chips .chip")].map((c) => c.textContent.replace("×", "").trim());
    document.querySelectorAll("select.rx-dx").forEach((select) => {
      const current = select.value || select.dataset.value || "";
      select.innerHTML = `<option value="">—</option>` + codes.map((c, i) => `<option value="${i}">${i + 1}. ${c.replace(/[<>&]/g, "")}</option>`).join("");
      select.value = current;
    });
  }

  document.getElementById("dx-chips").addEventListener("click", (e) => {
    if (!e.target.classList.contains("chip-x")) return;
    e.target.closest(".chip").remove();
    refreshDiagnosisSelects();
    recheck();
  });

  function addRow() {
    const tbody = document.querySelector("#rx-lines tbody");
    const next = Math.max(-1, ...[...tbody.querySelectorAll("tr")].map((r) => Number(r.dataset.row))) + 1;
    const html = document.getElementById("rx-row-template").innerHTML.replaceAll("__ROW__", String(next));
    tbody.insertAdjacentHTML("beforeend", html);
    const row = tbody.lastElementChild;
    row.querySelectorAll("[data-picker]").forEach(attachPicker);
    refreshDiagnosisSelects();
    row.querySelector(".rx-item").focus();
  }
  document.getElementById("rx-add-row").addEventListener("click", addRow);

  document.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); addRow(); }
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) { e.preventDefault(); form.requestSubmit(document.getElementById("rx-save")); }
  });
  // Enter in a quantity/dose/days cell moves on to the next row's item search (keyboard-only writing).
  form.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.target.dataset.picker !== undefined || e.target.type === "submit") return;
    if (e.target.tagName === "INPUT") {
      e.preventDefault();
      const row = e.target.closest("tr");
      const next = row && row.nextElementSibling;
      if (next) next.querySelector(".rx-item").focus(); else if (row) addRow();
    }
  });

  form.querySelectorAll("[data-picker]").forEach(attachPicker);
  refreshDiagnosisSelects();
})();

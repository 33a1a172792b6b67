// Prescription composer: item and diagnosis pickers (picker.js), rows, and the live check trigger.
(function () {
  const form = document.getElementById("rx-form");
  if (!form) return;

  function recheck() { form.dispatchEvent(new Event("rx-changed")); }

  function pickItem(input, item) {
    const row = input.closest("tr");
    const line = window.pickerLine("item", item);
    input.value = line.main;
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

  function refreshDiagnosisSelects() {
    const codes = [...document.querySelectorAll("#dx-chips .chip")].map((c) => c.textContent.replace("×", "").trim());
    document.querySelectorAll("select.rx-dx").forEach((select) => {
      const current = select.value || select.dataset.value || "";
      select.innerHTML = `<option value="">—</option>` + codes.map((c, i) => `<option value="${i}">${i + 1}. ${c.replace(/[<>&]/g, "")}</option>`).join("");
      select.value = current;
    });
  }

  form.addEventListener("picker:pick", (e) => {
    const input = e.target;
    if (input.dataset.pickerKind === "item") pickItem(input, e.detail);
    else if (input.dataset.pickerKind === "diagnosis") {
      window.addDiagnosisChip(document.getElementById("dx-chips"), e.detail);
      input.value = "";
      refreshDiagnosisSelects();
      recheck();
    }
  });
  form.addEventListener("picker:typing", (e) => {
    if (e.target.dataset.pickerKind !== "item") return;
    const row = e.target.closest("tr");
    row.querySelector(".rx-code").value = "";
    row.querySelector(".rx-label").value = "";
  });
  form.addEventListener("chips:changed", () => { refreshDiagnosisSelects(); recheck(); });

  function addRow() {
    const tbody = document.querySelector("#rx-lines tbody");
    const next = Math.max(-1, ...[...tbody.querySelectorAll("tr")].map((r) => Number(r.dataset.row))) + 1;
    const html = document.getElementById("rx-row-template").innerHTML.replaceAll("__ROW__", String(next));
    tbody.insertAdjacentHTML("beforeend", html);
    const row = tbody.lastElementChild;
    row.querySelectorAll("[data-picker]").forEach(window.attachPicker);
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

  // One-click fix (RX-2/RX-3/catalog/FEE-4): the check names the field values; set them and re-check.
  document.addEventListener("click", (e) => {
    const button = e.target.closest("button.rx-fix");
    if (!button) return;
    const rowId = button.dataset.row;
    for (const attr of button.getAttributeNames()) {
      if (!attr.startsWith("data-fix-")) continue;
      const field = form.querySelector(`[name="rows-${rowId}-${attr.slice(9)}"]`);
      if (!field) continue;
      if (field.type === "checkbox") field.checked = true;
      else field.value = button.getAttribute(attr);
    }
    recheck();
  });

  refreshDiagnosisSelects();
})();

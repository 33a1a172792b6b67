// Admission and stay pages: diagnosis chips, trauma fields, keyboard charge entry.
(function () {
  document.addEventListener("picker:pick", (e) => {
    const input = e.target;
    if (input.id === "dx-search") {
      window.addDiagnosisChip(document.getElementById("dx-chips"), e.detail);
      input.value = "";
    }
    if (input.dataset.pickerKind === "hospital-item") {
      const form = input.closest("form");
      form.querySelector("[name=hospital_item]").value = e.detail.id;
      input.value = window.pickerLine("hospital-item", e.detail).main;
      const next = form.querySelector("[name=quantity]");
      if (next) { next.focus(); next.select(); }
    }
  });

  const kind = document.getElementById("kind");
  const trauma = document.getElementById("trauma-fields");
  if (kind && trauma) {
    const sync = () => { trauma.hidden = kind.value !== "trauma"; };
    kind.addEventListener("change", sync);
    sync();
  }
  const admitForm = document.getElementById("admit-form");
  if (admitForm) {
    admitForm.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); admitForm.requestSubmit(); }
      else if (e.key === "Enter" && e.target.id !== "dx-search" && e.target.tagName === "INPUT") e.preventDefault();
    });
  }

  // Charge entry: filter the stay's orders by code, name, full pinyin or initials; ↑/↓, Enter → quantity.
  const filter = document.getElementById("order-filter");
  if (filter) {
    const select = document.getElementById("order-select");
    const options = [...select.options];
    const quantity = document.getElementById("charge-quantity");
    filter.addEventListener("input", () => {
      const q = filter.value.trim().toLowerCase();
      let first = null;
      options.forEach((o) => {
        const show = !q || (o.dataset.keys || "").includes(q);
        o.hidden = !show;
        if (show && !first) first = o;
      });
      if (first) select.value = first.value;
    });
    filter.addEventListener("keydown", (e) => {
      const visible = options.filter((o) => !o.hidden);
      const index = visible.findIndex((o) => o.value === select.value);
      if (e.key === "ArrowDown" && visible.length) { e.preventDefault(); select.value = visible[Math.min(index + 1, visible.length - 1)].value; }
      else if (e.key === "ArrowUp" && visible.length) { e.preventDefault(); select.value = visible[Math.max(index - 1, 0)].value; }
      else if (e.key === "Enter") { e.preventDefault(); quantity.focus(); quantity.select(); }
    });
  }
})();

// 读卡: a keyboard-wedge reader "types" a whole credential within a few milliseconds and ends with Enter.
// Human typing is much slower; such input is sent as entry_mode=manual and refused (INS-1).
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("credential_value");
  if (!input) return;
  const mode = document.getElementById("entry_mode");
  const cardSn = document.getElementById("card_sn");
  let stamps = [];
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") return;
    if (input.value === "") stamps = [];
    stamps.push(performance.now());
  });
  input.addEventListener("input", () => {
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
    const average = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : Infinity;
    mode.value = gaps.length >= 5 && average < 35 ? "reader" : "manual";
  });
  // A reader sends "credential|card_sn|signature": the signature (HMAC with the reader's own secret)
  // is what tells the server the read came from a registered reader (INS-1).
  const mac = document.getElementById("reader_mac");
  document.getElementById("card-read-form").addEventListener("htmx:configRequest", (event) => {
    const [number, sn, signature] = input.value.split("|");
    event.detail.parameters.credential_value = number.trim();
    event.detail.parameters.card_sn = (sn || "").trim();
    event.detail.parameters.reader_mac = (signature || mac.value || "").trim();
    cardSn.value = (sn || "").trim();
    mac.value = "";
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "card-read-result") { input.value = ""; stamps = []; input.focus(); }
  });
  // Demo installations: a button plays a reader's burst of keystrokes into the field, then Enter.
  document.querySelectorAll("[data-swipe]").forEach((button) => button.addEventListener("click", () => {
    input.value = "";
    stamps = [];
    input.focus();
    const signatures = JSON.parse(button.dataset.signatures || "{}");
    const swipe = `${button.dataset.swipe}|${signatures[document.getElementById("reader_id").value] || ""}`;
    for (const ch of swipe) {
      input.dispatchEvent(new KeyboardEvent("keydown", { key: ch }));
      input.value += ch;
      input.dispatchEvent(new Event("input"));
    }
    input.form.requestSubmit();
  }));
  const delegated = document.getElementById("delegated");
  delegated.addEventListener("change", () => { document.getElementById("agent-fields").hidden = !delegated.checked; });
  const reader = document.getElementById("reader_id");
  const syncType = () => {
    const kind = reader.selectedOptions[0] && reader.selectedOptions[0].dataset.kind;
    document.getElementById("credential_type").value = kind === "scanner" ? "01" : "03";
  };
  reader.addEventListener("change", syncType);
  syncType();
  document.addEventListener("keydown", (event) => {
    if (event.key === "F2") {
      const confirm = document.getElementById("confirm-match");
      if (confirm) { event.preventDefault(); confirm.click(); }
    }
    if (event.key === "F4") {
      const admit = document.getElementById("go-admit");
      if (admit) { event.preventDefault(); admit.click(); }
    }
  });
});

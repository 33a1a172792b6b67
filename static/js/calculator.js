// 结算试算: switch policy mode, add fee rows.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("calc-form");
  if (!form) return;
  const sync = () => {
    const given = form.querySelector("input[name=mode]:checked").value === "given";
    form.querySelector(".mode-given").hidden = !given;
    form.querySelector(".mode-lookup").hidden = given;
  };
  form.querySelectorAll("input[name=mode]").forEach((radio) => radio.addEventListener("change", sync));
  sync();
  document.getElementById("add-line").addEventListener("click", () => {
    const body = document.querySelector("#calc-lines tbody");
    const row = body.rows[0].cloneNode(true);
    row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    body.appendChild(row);
    row.querySelector("input").focus();
  });
});

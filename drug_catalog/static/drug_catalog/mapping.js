// 目录对照: keyboard flow. Type in the catalog search, ↓ goes into the results, ↑/↓ choose (radio
// buttons), Enter on a result submits the mapping.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target.id === "national-q" && event.key === "ArrowDown") {
    const first = document.querySelector("#national-results input[type=radio]");
    if (first) {
      event.preventDefault();
      first.checked = true;
      first.focus();
    }
  }
  if (target.matches("#national-results input[type=radio]") && event.key === "Enter") {
    event.preventDefault();
    target.checked = true;
    target.form.requestSubmit();
  }
});

// Audit pages (no inline script or handler: the CSP allows only this server's files).
document.addEventListener("DOMContentLoaded", () => {
  // 监管指标: the chart from the page's JSON.
  const source = document.getElementById("indicator-data");
  if (source && window.Chart) {
    const data = JSON.parse(source.textContent);
    if (data.labels.length) {
      new Chart(document.getElementById("indicator-chart"), {
        type: "line",
        data: {labels: data.labels, datasets: Object.keys(data.series).map(k => ({label: data.names[k], data: data.series[k]}))},
        options: {animation: false, plugins: {title: {display: true, text: "各科室平均（按月）"}}},
      });
    }
  }
  // 审核疑点: select all rows.
  document.querySelectorAll("[data-select-all]").forEach((box) => box.addEventListener("change", () => {
    document.querySelectorAll(`input[name=${box.dataset.selectAll}]`).forEach((c) => { c.checked = box.checked; });
  }));
  // 告知书: print.
  document.querySelectorAll("[data-print-page]").forEach((b) => b.addEventListener("click", () => window.print()));
});

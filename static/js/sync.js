// Sync page (no inline script: the CSP allows only this server's files).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("sync-chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  new Chart(document.getElementById("sync-chart"), {
    data: {
      labels: data.labels,
      datasets: [
        {type: "bar", label: "上传明细", data: data.lines, yAxisID: "y"},
        {type: "bar", label: "中心退回", data: data.refused, yAxisID: "y"},
        {type: "line", label: "同步次数", data: data.cycles, yAxisID: "y1"},
        {type: "line", label: "最长等待（分钟）", data: data.lag, yAxisID: "y1"},
      ],
    },
    options: {animation: false, scales: {y: {beginAtZero: true}, y1: {beginAtZero: true, position: "right"}}},
  });
});

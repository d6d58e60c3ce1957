/* The statistics page's charts: the figures come from the page's json_script tag (the same figures as its
   tables); each <canvas data-chart="key"> gets the chart of that breakdown. */
(function () {
  "use strict";
  var source = document.getElementById("statistics-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#fd7e14", "#198754", "#dc3545", "#6f42c1", "#20c997", "#ffc107", "#6c757d",
                 "#0dcaf0", "#d63384"];
  var byKey = {};
  data.tables.forEach(function (table) { byKey[table.key] = table; });

  function shorten(label) {
    return label.length > 22 ? label.slice(0, 21) + "…" : label;
  }

  function datasets(table) {
    return table.datasets.map(function (set, index) {
      if (table.type === "doughnut") {
        return { label: set.label, data: set.data, backgroundColor: palette };
      }
      return { label: set.label, data: set.data, backgroundColor: palette[index % palette.length] };
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var table = byKey[canvas.getAttribute("data-chart")];
    if (!table) { return; }
    var lying = table.type === "hbar";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: table.type === "doughnut" || table.datasets.length > 1, position: "bottom" } }
    };
    if (table.type !== "doughnut") {
      options.indexAxis = lying ? "y" : "x";
      var scales = { x: { stacked: table.stacked }, y: { stacked: table.stacked } };
      scales[lying ? "x" : "y"].beginAtZero = true;
      scales[lying ? "x" : "y"].ticks = { precision: 0 };
      // Long names (nominations, regions) are cut on the axis; the table below has them whole.
      scales[lying ? "y" : "x"].ticks = {
        autoSkip: false,
        callback: function (value) { return shorten(this.getLabelForValue(value)); }
      };
      options.scales = scales;
    }
    canvas.chart = new window.Chart(canvas, {
      type: table.type === "doughnut" ? "doughnut" : "bar",
      data: { labels: table.labels, datasets: datasets(table) },
      options: options
    });
  });
})();

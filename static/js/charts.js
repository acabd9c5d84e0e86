// Draw every [data-figure] element from the figure JSON embedded beside it.
// The figures are the ones /api/v1/charts/<name>/ returns; without JavaScript the
// tables next to them still carry the numbers.
(function () {
  "use strict";
  const dark = window.matchMedia("(prefers-color-scheme: dark)");

  function themed(layout) {
    if (!dark.matches) return layout;
    return Object.assign({}, layout, {
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: "#e6e6e6" },
      xaxis: Object.assign({}, layout.xaxis, { gridcolor: "#444", linecolor: "#666" }),
      yaxis: Object.assign({}, layout.yaxis, { gridcolor: "#444", linecolor: "#666" }),
    });
  }

  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      const source = document.getElementById(el.dataset.figure);
      if (!source) return;
      const figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data, themed(figure.layout), {
        responsive: true,
        displaylogo: false,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  dark.addEventListener("change", draw);
})();

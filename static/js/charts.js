// Draw every [data-figure] element from the figure JSON embedded beside it.
// The figures are the ones /api/v1/charts/<name>/ returns; without JavaScript the
// tables next to them still carry the numbers.
(function () {
  "use strict";
  const dark = window.matchMedia("(prefers-color-scheme: dark)");

  // On a narrow screen the legend goes above the plot and the source line lower,
  // so that slanted era names never run into them.
  function fitted(layout, width, traces) {
    if (width >= 600) return layout;
    const legendRows = Math.ceil(traces.filter(function (t) { return t.showlegend !== false; }).length / 2);
    const notes = (layout.annotations || []).map(function (a) {
      return a.yref === "paper" && a.y < 0 ? Object.assign({}, a, {
        y: -0.55, yanchor: "top", text: a.text.replace(/; |\. /g, function (m) { return m.trim() + "<br>"; }),
        font: { size: 9, color: "#888" },
      }) : a;
    });
    return Object.assign({}, layout, {
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      height: 580,
      margin: { l: 50, r: 10, t: 50 + 24 * legendRows, b: 190 },
      annotations: notes,
      title: Object.assign({}, layout.title, { font: { size: 14 }, y: 0.99, yanchor: "top", yref: "container" }),
    });
  }

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
      window.Plotly.react(el, figure.data, themed(fitted(figure.layout, el.clientWidth, figure.data)), {
        responsive: true,
        displaylogo: false,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  dark.addEventListener("change", draw);
})();

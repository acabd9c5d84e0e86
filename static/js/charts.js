// Draw every [data-figure] element from the figure JSON embedded beside it.
// The figures are the ones /api/v1/charts/<name>/ returns; without JavaScript the
// tables next to them still carry the numbers.
(function () {
  "use strict";
  const dark = window.matchMedia("(prefers-color-scheme: dark)");

  // On a narrow screen the legend goes above the plot, the source line leaves the
  // plot for the paragraph under it (p.source), and era names stand upright in
  // their bands, so that nothing overlaps or is clipped.
  function fitted(layout, width, traces) {
    if (width >= 600) return layout;
    const legendRows = traces.filter(function (t) { return t.showlegend !== false; }).length;
    const notes = (layout.annotations || []).filter(function (a) {
      return a.name !== "source";
    }).map(function (a) {
      return a.name === "era-label" ? Object.assign({}, a, {
        textangle: -90, yanchor: "top", yshift: -4, xanchor: "center", font: { size: 9 },
      }) : a;
    });
    return Object.assign({}, layout, {
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
      height: 360 + 18 * legendRows,
      margin: { l: 44, r: 8, t: 40 + 18 * legendRows, b: 70 },
      annotations: notes,
      xaxis: Object.assign({}, layout.xaxis, { title: { text: "" }, automargin: true }),
      title: Object.assign({}, layout.title, { font: { size: 13 }, y: 0.99, yanchor: "top", yref: "container" }),
    });
  }

  // A bar or marker whose customdata is a site path opens it: the visits behind it.
  function linked(el) {
    if (el.dataset.linked) return;
    el.dataset.linked = "1";
    el.on("plotly_click", function (event) {
      const point = event.points && event.points[0];
      const href = point && point.customdata;
      if (typeof href === "string" && href.charAt(0) === "/") window.location.assign(href);
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
      }).then(linked);
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  dark.addEventListener("change", draw);
})();

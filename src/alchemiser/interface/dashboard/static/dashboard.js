// Draws every <div class="chart" data-figure="…"> with the Plotly served by the dashboard.
document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
  var fig = JSON.parse(el.getAttribute("data-figure"));
  Plotly.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false});
});

// Draws every <div class="chart" data-figure="…"> with the Plotly served by the dashboard.
// On a phone the mode bar would sit on the chart's title: it is left out there.
var narrow = window.matchMedia("(max-width: 600px)").matches;
document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
  var fig = JSON.parse(el.getAttribute("data-figure"));
  Plotly.newPlot(el, fig.data, fig.layout, {
    responsive: true,
    displaylogo: false,
    displayModeBar: narrow ? false : "hover",
  });
});

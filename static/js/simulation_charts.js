// The simulation page (ECharts): #sim-data holds {metrics, without, with (percent), months,
// defaults_without, defaults_with}; .sim-chart data-kind="compare" draws bars, "monthly" lines.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("sim-data");
  if (!source) { return; }
  var d = JSON.parse(source.textContent);
  document.querySelectorAll(".sim-chart").forEach(function (el) {
    var chart = echarts.init(el);
    var option;
    if (el.dataset.kind === "compare") {
      option = {
        tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }}, legend: {bottom: 0},
        grid: {left: 50, right: 10, top: 10, bottom: 90},
        xAxis: {type: "category", data: d.metrics, axisLabel: {interval: 0, width: 90, overflow: "break", fontSize: 10}},
        yAxis: {type: "value", axisLabel: {formatter: "{value}%"}},
        series: [
          {name: el.dataset.without, type: "bar", data: d.without, itemStyle: {color: "#c0392b"}},
          {name: el.dataset["with"], type: "bar", data: d["with"], itemStyle: {color: "#2a6fb0"}}
        ]
      };
    } else {
      option = {
        tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {left: 40, right: 10, top: 10, bottom: 50},
        xAxis: {type: "category", data: d.months}, yAxis: {type: "value", minInterval: 1},
        series: [
          {name: el.dataset.without, type: "line", data: d.defaults_without, itemStyle: {color: "#c0392b"}},
          {name: el.dataset["with"], type: "line", data: d.defaults_with, itemStyle: {color: "#2a6fb0"}}
        ]
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

// Draws every .chart element with ECharts from the JSON beside it (id + "-data").
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.id + "-data").textContent);
    var chart = echarts.init(el);
    var option;
    if (el.dataset.kind === "bar") {
      option = {
        tooltip: {trigger: "axis"}, grid: {left: 60, right: 20, bottom: 60, top: 30},
        xAxis: {type: "category", data: data.map(function (d) { return d.name; }), axisLabel: {rotate: 30}},
        yAxis: {type: "value"},
        series: [{type: "bar", data: data.map(function (d) { return d.value; }), itemStyle: {color: "#2a6fb0"}}]
      };
    } else {
      option = {
        tooltip: {trigger: "item"}, legend: {bottom: 0, type: "scroll"},
        series: [{type: "pie", radius: ["35%", "65%"], data: data, label: {formatter: "{b}: {c}"}}]
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

// The pool's 12-month liquidity projection (ECharts): .pool-chart reads its JSON from id + "-data":
// {months, inflow, outflow, cash, floor} (amounts as strings of yuan) → inflow/outflow bars, cash and floor lines.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".pool-chart").forEach(function (el) {
    var source = document.getElementById(el.id + "-data");
    if (!source) { return; }
    var d = JSON.parse(source.textContent);
    var num = function (xs) { return xs.map(Number); };
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {left: 80, right: 20, top: 20, bottom: 50},
      xAxis: {type: "category", data: d.months}, yAxis: {type: "value"},
      series: [
        {name: el.dataset.inflow, type: "bar", data: num(d.inflow), itemStyle: {color: "#2a9d5b"}},
        {name: el.dataset.outflow, type: "bar", data: num(d.outflow), itemStyle: {color: "#c0392b"}},
        {name: el.dataset.cash, type: "line", data: num(d.cash), itemStyle: {color: "#2a6fb0"}},
        {name: el.dataset.floor, type: "line", data: num(d.floor), lineStyle: {type: "dashed"}, itemStyle: {color: "#999"}}
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

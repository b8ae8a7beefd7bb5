// The investor's concentration pie (ECharts): .investor-pie reads [{name, value}] (yuan as strings)
// from the JSON script with id + "-data"; the same numbers are in the table beside it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".investor-pie").forEach(function (el) {
    var source = document.getElementById(el.id + "-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent).map(function (d) { return {name: d.name, value: Number(d.value)}; });
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "item", formatter: "{b}: ¥{c} ({d}%)"},
      series: [{type: "pie", radius: ["35%", "70%"], data: data, label: {formatter: "{b}\n{d}%"}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

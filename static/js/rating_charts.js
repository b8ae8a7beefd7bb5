// Rating charts (ECharts): each .rating-chart element reads its JSON from the script id + "-data".
// trend: [{day, score, grade}] → score line labelled with the grade; bars: [{name, value}];
// compare: {grades, observed, predicted} → observed default rate beside predicted PD (%).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".rating-chart").forEach(function (el) {
    var source = document.getElementById(el.id + "-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    var option;
    if (el.dataset.kind === "trend") {
      option = {
        tooltip: {trigger: "axis", formatter: function (p) { var d = data[p[0].dataIndex]; return d.day + "<br>" + d.grade + " · " + d.score; }},
        grid: {left: 50, right: 20, top: 20, bottom: 40},
        xAxis: {type: "category", data: data.map(function (d) { return d.day; })},
        yAxis: {type: "value", scale: true},
        series: [{type: "line", data: data.map(function (d) { return d.score; }), itemStyle: {color: "#2a6fb0"},
                  // the grade where it starts, changes and ends (not on every point: labels would overlap)
                  label: {show: true, formatter: function (p) {
                    var i = p.dataIndex;
                    var shown = i === 0 || i === data.length - 1 || data[i].grade !== data[i - 1].grade;
                    return shown ? data[i].grade : "";
                  }}}]
      };
    } else if (el.dataset.kind === "compare") {
      option = {
        tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {left: 50, right: 20, top: 20, bottom: 50},
        xAxis: {type: "category", data: data.grades}, yAxis: {type: "value", name: "%"},
        series: [{name: el.dataset.observed || "observed", type: "bar", data: data.observed, itemStyle: {color: "#c0392b"}},
                 {name: el.dataset.predicted || "predicted", type: "line", data: data.predicted, itemStyle: {color: "#2a6fb0"}}]
      };
    } else {
      option = {
        tooltip: {trigger: "axis"}, grid: {left: 50, right: 20, top: 20, bottom: 40},
        xAxis: {type: "category", data: data.map(function (d) { return d.name; })}, yAxis: {type: "value"},
        series: [{type: "bar", data: data.map(function (d) { return d.value; }), itemStyle: {color: "#2a6fb0"}}]
      };
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

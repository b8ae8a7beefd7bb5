// The guarantee network (ECharts graph): .guarantee-graph reads its JSON from id + "-data":
// {nodes: [{id, name, value, symbolSize, category}], edges: [{source, target, value}], categories: n}
// → firms sized by exposure, one colour per circle (the last category: firms in no circle), arrows guarantor → borrower.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".guarantee-graph").forEach(function (el) {
    var source = document.getElementById(el.id + "-data");
    if (!source) { return; }
    var d = JSON.parse(source.textContent);
    var categories = [];
    for (var i = 0; i < d.categories; i++) { categories.push({name: el.dataset.circle + " " + (i + 1)}); }
    categories.push({name: el.dataset.other, itemStyle: {color: "#bbb"}});
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {formatter: function (p) { return p.dataType === "edge" ? p.data.source + " → " + p.data.target + ": ¥" + p.data.value : p.data.name + ": ¥" + p.data.value; }},
      legend: {bottom: 0, data: categories.map(function (c) { return c.name; })},
      series: [{type: "graph", layout: "force", roam: true, draggable: true, categories: categories,
                data: d.nodes, links: d.edges, label: {show: true, position: "right"},
                edgeSymbol: ["none", "arrow"], force: {repulsion: 200, edgeLength: 120},
                lineStyle: {curveness: 0.2, opacity: 0.7}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

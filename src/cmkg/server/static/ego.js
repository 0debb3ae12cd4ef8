// The ego-network view of an entity page: reads the JSON data block the page
// carries and draws it with vis-network (served from the installed pyvis package).
(function () {
  "use strict";
  var holder = document.getElementById("ego");
  var dataBlock = document.getElementById("ego-data");
  if (!holder || !dataBlock || typeof vis === "undefined") { return; }
  var data = JSON.parse(dataBlock.textContent);
  if (!data.nodes || data.nodes.length < 2) { return; }
  var palette = { self: "#0b6e69", city: "#e07a1f", practice: "#3b6fb6", organisation: "#8a4fa3", person: "#c2455a",
                  "policy-area": "#4f8a3c", "target-group": "#7c8a3c", source: "#777777", recommendation: "#b08d1a" };
  var nodes = data.nodes.map(function (n) {
    return { id: n.id, label: n.label.length > 40 ? n.label.slice(0, 38) + "…" : n.label, title: n.label,
             color: palette[n.group] || "#5b6877", shape: n.group === "self" ? "box" : "dot",
             font: { color: n.group === "self" ? "#ffffff" : "#1d2733" }, size: 12 };
  });
  var edges = data.edges.map(function (e) { return { from: e.from, to: e.to, title: e.label, arrows: data.directed ? "to" : "" }; });
  var network = new vis.Network(holder, { nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) }, {
    physics: { stabilization: { iterations: 150 }, barnesHut: { springLength: 120 } },
    interaction: { hover: true }, edges: { color: "#9aa7b3", smooth: false }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) {
      var links = document.querySelectorAll("ul.neighbours a");
      for (var i = 0; i < links.length; i++) {
        var li = links[i];
        if (li.getAttribute("data-iri") === params.nodes[0]) { window.location.href = li.href; return; }
      }
    }
  });
  holder.setAttribute("data-ready", "true");
}());

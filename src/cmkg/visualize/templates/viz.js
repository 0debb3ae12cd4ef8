/* cmkg viz page. Every string from the data reaches the page through textContent,
   element.href (http(s) only) or vis-network's title as a DOM element: never as markup. */
(function () {
  "use strict";
  var DRAW_THRESHOLD = 8;     // on-screen font size below which vis-network hides a label
  var SVG = "http://www.w3.org/2000/svg";
  performance.mark("cmkg:start");
  var data = JSON.parse(document.getElementById("cmkg-data").textContent);
  performance.mark("cmkg:parsed");
  // Labels readable before zooming: the most central nodes (fewer in a crowded drawing).
  var LABELS_AT_START = data.nodes.length > 300 ? 15 : 30;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function shorten(text, max) { return text.length > max ? text.slice(0, max - 1) + "\u2026" : text; }
  function isWeb(url) { return typeof url === "string" && /^https?:\/\//i.test(url); }

  function tooltip(n) {
    var box = el("div", null, "cmkg-tip");
    box.appendChild(el("strong", n.label));
    box.appendChild(el("div", n.kind + (n.country ? " \u00b7 " + n.country : ""), "cmkg-tip-type"));
    if (n.description) box.appendChild(el("div", shorten(n.description, 220), "cmkg-tip-desc"));
    if (n.source) box.appendChild(el("div", "Source: " + shorten(n.source, 140), "cmkg-tip-src"));
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var copy = Object.assign({}, n);
    copy.title = tooltip(n);
    return copy;
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    var copy = Object.assign({}, e);
    copy.id = i;
    // A string title is set with innerText by vis-network 9 (plain text); strings
    // also spare building 20,000 elements for a large graph.
    copy.title = String(e.title);
    return copy;
  }));
  var options = data.options;
  performance.mark("cmkg:datasets");
  var container = document.getElementById("cmkg-network");
  var startScale = expectedScale();
  options.nodes.scaling.label = labelScaling(startScale);
  cullLabels(startScale, options.nodes.scaling);
  performance.mark("cmkg:labels");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  performance.mark("cmkg:network");
  window.cmkg = { network: network, nodes: nodes, edges: edges, firstDraw: null };

  // The zoom at which vis-network's fit() will show the whole network (its own rule:
  // the bounding box plus 10 %), known before the network exists.
  function expectedScale() {
    if (!data.nodes.length) return 1;
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    data.nodes.forEach(function (n) {
      minX = Math.min(minX, n.x - n.value); maxX = Math.max(maxX, n.x + n.value);
      minY = Math.min(minY, n.y - n.value); maxY = Math.max(maxY, n.y + n.value);
    });
    var w = container.clientWidth || 800, h = container.clientHeight || 600;
    return Math.min(w / ((maxX - minX) * 1.1 || 1), h / ((maxY - minY) * 1.1 || 1), 1.5);
  }

  // Labels that would overlap a more central node's label at the starting zoom wait
  // until the reader zooms in (a per-node draw threshold), so the first view stays legible.
  function cullLabels(scale, scaling) {
    var lab = scaling.label;
    var values = data.nodes.map(function (n) { return n.value; });
    var vmin = Math.min.apply(null, values), vmax = Math.max.apply(null, values);
    var boxes = [], updates = [];
    data.nodes.slice().sort(function (a, b) { return a.rank - b.rank; }).forEach(function (n) {
      var t = vmax === vmin ? 0.5 : (n.value - vmin) / (vmax - vmin);
      var font = Math.min((lab.min + (lab.max - lab.min) * t) * scale, lab.maxVisible);
      if (font < lab.drawThreshold - 1) return;  // hidden at the start anyway (vis-network fades labels in over the last pixel)
      var size = scaling.min + (scaling.max - scaling.min) * t;
      var w = n.label.length * font * 0.56, h = font * 1.25;
      var x = n.x * scale, top = (n.y + size) * scale + 2;
      var box = [x - w / 2, top, x + w / 2, top + h];
      var clash = boxes.some(function (b) { return box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1]; });
      if (!clash) { boxes.push(box); return; }
      var label = Object.assign({}, lab, { drawThreshold: font * 1.9 });
      updates.push({ id: n.id, scaling: { min: scaling.min, max: scaling.max, label: label } });
    });
    nodes.update(updates);
  }

  // Label sizes follow node size; choose the range so that at the fitted zoom the
  // LABELS_AT_START most central labels are readable and the rest appear on zoom.
  function labelScaling(scale) {
    var values = data.nodes.map(function (n) { return n.value; }).sort(function (a, b) { return b - a; });
    var max = 16 / scale, min = 12 / scale;
    if (values.length > LABELS_AT_START) {
      var vmax = values[0], vmin = values[values.length - 1];
      var t = vmax === vmin ? 0.5 : (values[LABELS_AT_START - 1] - vmin) / (vmax - vmin);
      min = t >= 0.999 ? max : ((DRAW_THRESHOLD + 0.3) / scale - max * t) / (1 - t);
    }
    min = Math.max(1, Math.min(min, max));
    return { enabled: true, min: min, max: max, maxVisible: 20, drawThreshold: DRAW_THRESHOLD };
  }

  network.once("afterDrawing", function () {
    window.cmkg.firstDraw = performance.now();
    document.body.setAttribute("data-drawn", "true");
  });
  network.fit();

  // --- side panel ----------------------------------------------------------
  var panel = document.getElementById("cmkg-panel");
  function fact(dl, name, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value));
  }
  function showPanel(id) {
    var n = nodes.get(id);
    if (!n) return;
    panel.replaceChildren();
    panel.appendChild(el("h2", n.label));
    var dl = el("dl");
    fact(dl, "Type", n.kind);
    fact(dl, "Country", n.country);
    fact(dl, "Description", n.description);
    fact(dl, "Source", n.source);
    fact(dl, "IRI", n.iri);
    fact(dl, data.measure || "Centrality", n.centrality + " (rank " + n.rank + " of " + data.nodes.length + ")");
    fact(dl, "Degree", n.degree + " in this view");
    panel.appendChild(dl);
    if (isWeb(n.page)) {
      var a = el("a", "Open the entity page \u2197");
      a.href = n.page;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      panel.appendChild(a);
    }
    var neighbours = network.getConnectedNodes(id).map(function (m) { return nodes.get(m); }).filter(Boolean);
    if (neighbours.length) {
      neighbours.sort(function (a, b) { return a.rank - b.rank; });
      panel.appendChild(el("h3", "Connected to (" + neighbours.length + ")"));
      var ul = el("ul");
      neighbours.slice(0, 60).forEach(function (m) {
        var li = el("li");
        var b = el("button", m.label + " (" + m.kind + ")", "cmkg-linklike");
        b.type = "button";
        b.addEventListener("click", function () { select(m.id); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      if (neighbours.length > 60) ul.appendChild(el("li", "\u2026 and " + (neighbours.length - 60) + " more"));
      panel.appendChild(ul);
    }
  }
  function select(id) {
    var n = nodes.get(id);
    if (!n) return;
    if (n.hidden) nodes.update({ id: id, hidden: false });
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    showPanel(id);
  }
  network.on("click", function (params) {
    if (params.nodes.length) showPanel(params.nodes[0]);
  });

  // --- search ----------------------------------------------------------------
  var input = document.getElementById("cmkg-search-input");
  var message = document.getElementById("cmkg-search-message");
  var datalist = document.getElementById("cmkg-labels");
  var byRank = data.nodes.slice().sort(function (a, b) { return a.rank - b.rank; });
  byRank.forEach(function (n) {
    var option = el("option");
    option.value = n.label;
    datalist.appendChild(option);
  });
  function search() {
    var q = input.value.trim().toLowerCase();
    message.textContent = "";
    if (!q) return;
    var hit = byRank.find(function (n) { return n.label.toLowerCase() === q; }) ||
              byRank.find(function (n) { return n.label.toLowerCase().indexOf(q) !== -1; });
    if (hit) select(hit.id);
    else message.textContent = "No node in this view matches \u201c" + input.value.trim() + "\u201d.";
  }
  input.addEventListener("change", search);
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(); });
  document.getElementById("cmkg-fit").addEventListener("click", function () { network.fit({ animation: { duration: 300 } }); });

  // --- legend and type filters -------------------------------------------------
  function swatch(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    var points = {
      square: "2,2 14,2 14,14 2,14", triangle: "8,1 15,14 1,14", triangleDown: "1,2 15,2 8,15",
      diamond: "8,1 15,8 8,15 1,8", hexagon: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8",
      star: "8,0.5 10,6 15.5,6 11,9.5 12.8,15 8,11.6 3.2,15 5,9.5 0.5,6 6,6"
    }[shape];
    var mark = points ? document.createElementNS(SVG, "polygon") : document.createElementNS(SVG, "circle");
    if (points) mark.setAttribute("points", points);
    else { mark.setAttribute("cx", "8"); mark.setAttribute("cy", "8"); mark.setAttribute("r", "6.5"); }
    mark.setAttribute("fill", colour);
    mark.setAttribute("stroke", "#222");
    svg.appendChild(mark);
    return svg;
  }
  var typeList = document.getElementById("cmkg-types");
  data.types.forEach(function (t) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.setAttribute("data-type", t.type);
    box.addEventListener("change", function () {
      var ids = nodes.getIds({ filter: function (n) { return n.kind === t.type; } });
      nodes.update(ids.map(function (id) { return { id: id, hidden: !box.checked }; }));
    });
    label.appendChild(box);
    label.appendChild(swatch(t.shape, t.color));
    label.appendChild(el("span", t.type));
    label.appendChild(el("span", "(" + t.count + ")", "cmkg-count"));
    li.appendChild(label);
    typeList.appendChild(li);
  });
  var relList = document.getElementById("cmkg-relations");
  data.relations.forEach(function (r) {
    var li = el("li");
    var line = el("span");
    line.style.display = "inline-block";
    line.style.width = "22px";
    line.style.height = "3px";
    line.style.background = r.color;
    li.appendChild(line);
    li.appendChild(el("span", r.name));
    relList.appendChild(li);
  });
  if (!data.relations.length) document.getElementById("cmkg-relations-heading").hidden = true;
  else if (data.directed) relList.appendChild(el("li", "Arrows show each tie's direction (see the description above).", "cmkg-hint"));

  if (data.focus) {
    network.selectNodes([data.focus]);
    showPanel(data.focus);
  }
})();

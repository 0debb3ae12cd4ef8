// The query page: examples from the catalogue, parameters, running, a results table, downloads.
// Results are put into the page with textContent only, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var select = document.getElementById("examples");
  var paramsBox = document.getElementById("params");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var timeoutInput = document.getElementById("timeout");
  var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  var byName = {};
  catalogue.forEach(function (q) { byName[q.name] = q; });
  var ID = "https://w3id.org/cmkg/id/";
  var current = null;  // the catalogue query shown, while its text is unchanged

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function showParams(q) {
    paramsBox.textContent = "";
    (q ? q.params : []).forEach(function (p) {
      var label = el("label", p.name + (p.optional ? " (optional)" : ""));
      var input = el("input", null, { name: "param-" + p.name, "data-param": p.name, title: p.description || p.name });
      input.value = p.example || "";
      label.appendChild(input);
      paramsBox.appendChild(label);
    });
  }

  select.addEventListener("change", function () {
    var q = byName[select.value];
    current = q || null;
    if (q) { textarea.value = q.query; }
    document.getElementById("about").textContent = q ? q.description : "";
    showParams(q);
  });
  textarea.addEventListener("input", function () {
    if (current && textarea.value !== current.query) { current = null; select.value = ""; showParams(null); }
  });

  function paramString() {
    var parts = [];
    paramsBox.querySelectorAll("input[data-param]").forEach(function (input) {
      if (input.value !== "") {
        parts.push(encodeURIComponent(input.getAttribute("data-param")) + "=" + encodeURIComponent(input.value));
      }
    });
    return parts.join("&");
  }

  function localHref(iri) { return iri.indexOf(ID) === 0 ? "/id/" + iri.slice(ID.length) : iri; }

  function cell(binding) {
    var td = el("td");
    if (!binding) { return td; }
    if (binding.type === "uri") {
      td.appendChild(el("a", binding.value, { href: localHref(binding.value) }));
    } else {
      td.textContent = binding.value;
      if (binding["xml:lang"]) { td.appendChild(el("small", " @" + binding["xml:lang"], { "class": "note" })); }
    }
    return td;
  }

  function showTable(doc, truncated) {
    results.textContent = "";
    if (typeof doc.boolean === "boolean") { results.appendChild(el("p", "Answer: " + doc.boolean)); return; }
    var vars = doc.head.vars, rows = doc.results.bindings;
    var table = el("table", null, { "class": "result-table" });
    var head = el("tr");
    vars.forEach(function (v) { head.appendChild(el("th", v)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr");
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    results.appendChild(table);
    status.textContent = rows.length + " row" + (rows.length === 1 ? "" : "s") + (truncated ? " (cut at the row limit)" : "");
  }

  var TABLE_FORMATS = ["json", "xml", "csv", "tsv"], GRAPH_FORMATS = ["ttl", "jsonld", "nt", "xml"];

  function setDownloads(base, sep, named, isGraph) {
    downloads.hidden = false;
    downloads.querySelectorAll("a[data-format]").forEach(function (a) {
      var fmt = a.getAttribute("data-format");
      var ok = named ? (fmt === "json" || fmt === "csv") : (isGraph ? GRAPH_FORMATS : TABLE_FORMATS).indexOf(fmt) >= 0;
      a.hidden = !ok;
      a.href = ok ? base + sep + "format=" + fmt : "#";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.className = "";
    status.textContent = "running…";
    results.textContent = "";
    var request, base, sep;
    var limit = timeoutInput.value;
    if (current) {
      var qs = paramString();
      base = "/api/queries/" + encodeURIComponent(current.name) + (qs ? "?" + qs : "");
      sep = qs ? "&" : "?";
      request = fetch(base + sep + "timeout=" + encodeURIComponent(limit), { headers: { Accept: "application/sparql-results+json" } });
    } else {
      base = "/sparql?query=" + encodeURIComponent(textarea.value);
      sep = "&";
      var body = new URLSearchParams();
      body.set("query", textarea.value);
      body.set("timeout", limit);
      request = fetch("/sparql", { method: "POST", body: body,
        headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } });
    }
    request.then(function (response) {
      var truncated = response.headers.get("X-Cmkg-Truncated") === "true";
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        return response.json().then(function (err) { throw new Error(err.error ? err.error.message : response.statusText); });
      }
      setDownloads(base, sep, Boolean(current), type.indexOf("sparql-results") < 0 && type.indexOf("application/json") < 0);
      if (type.indexOf("json") >= 0) { return response.json().then(function (doc) { showTable(doc, truncated); }); }
      return response.text().then(function (text) {
        results.textContent = "";
        results.appendChild(el("pre", text, { "class": "rdf" }));
        status.textContent = "graph" + (truncated ? " (cut at the row limit)" : "");
      });
    }).catch(function (err) {
      status.className = "error";
      status.textContent = err.message;
    });
  });

  var params = new URLSearchParams(window.location.search);
  if (params.get("query")) { textarea.value = params.get("query"); }
  if (params.get("name") && byName[params.get("name")]) {
    select.value = params.get("name");
    select.dispatchEvent(new Event("change"));
  }
}());


"use strict";
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var metric = "containment";
  var current = null;

  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setMetric(m) {
    metric = m;
    document.querySelectorAll(".controls button").forEach(function (b) {
      b.classList.toggle("on", b.getAttribute("data-metric") === m);
    });
    document.querySelectorAll("figure svg .cell").forEach(function (r) {
      r.setAttribute("fill", r.getAttribute(m === "jaccard" ? "data-fj" : "data-fc"));
    });
    document.querySelectorAll("figure svg text.v").forEach(function (t) {
      t.textContent = t.getAttribute(m === "jaccard" ? "data-j" : "data-c");
      t.setAttribute("fill", t.getAttribute(m === "jaccard" ? "data-tj" : "data-tc"));
    });
    document.querySelectorAll("figure figcaption .metric").forEach(function (s) {
      s.textContent = m === "jaccard" ? "Jaccard similarity" : "share of the row's shingles found in the column";
    });
  }

  function fillText(box, text, spans, side) {
    box.textContent = "";
    var at = 0;
    spans.forEach(function (s, i) {
      if (s[0] > at) box.appendChild(document.createTextNode(text.slice(at, s[0])));
      var m = el("mark", "", text.slice(s[0], s[1]));
      m.id = "m-" + side + "-" + i;
      m.setAttribute("data-partner", String(s[2]));
      m.addEventListener("click", function () {
        var other = side === "a" ? "b" : "a";
        document.querySelectorAll("mark.on").forEach(function (x) { x.classList.remove("on"); });
        m.classList.add("on");
        if (s[2] >= 0) {
          var p = document.getElementById("m-" + other + "-" + s[2]);
          if (p) {
            p.classList.add("on");
            var box2 = p.parentNode;
            box2.scrollTop = p.offsetTop - box2.offsetTop - box2.clientHeight / 3;
          }
        }
      });
      box.appendChild(m);
      at = s[1];
    });
    if (at < text.length) box.appendChild(document.createTextNode(text.slice(at)));
  }

  function figures(a, b) {
    var lo = Math.min(a, b), hi = Math.max(a, b);
    var parts = [];
    data.shingles.forEach(function (k) {
      var p = data.pairs[String(k)][lo + "," + hi];
      var label = k + "-" + data.unit + " shingles: ";
      if (!p) { parts.push(label + "nothing shared"); return; }
      var ab = a < b ? p[1] : p[2], ba = a < b ? p[2] : p[1];
      parts.push(label + pct(ab) + " of left in right, " + pct(ba) + " of right in left, Jaccard " + p[0].toFixed(3));
    });
    return parts.join(" · ");
  }

  function select(a, b) {
    var n = data.sources.length;
    if (!(a >= 0 && b >= 0 && a < n && b < n) || a === b) return;
    // A click selects at once and then sets the fragment, whose change
    // selects the same pair again: nothing to redo.
    if (current === a + "," + b) return;
    current = a + "," + b;
    document.querySelectorAll("figure svg .cell.sel").forEach(function (r) { r.classList.remove("sel"); });
    document.querySelectorAll('figure svg .cell[data-a="' + a + '"][data-b="' + b + '"]').forEach(function (r) { r.classList.add("sel"); });
    document.querySelectorAll("tr.pair").forEach(function (r) {
      var x = +r.getAttribute("data-a"), y = +r.getAttribute("data-b");
      r.classList.toggle("sel", (x === a && y === b) || (x === b && y === a));
    });
    var body = document.getElementById("view-body");
    var hint = document.getElementById("view-hint");
    var lo = Math.min(a, b), hi = Math.max(a, b);
    var v = data.views[lo + "," + hi];
    document.getElementById("view-title").textContent = data.sources[a] + "  ⟷  " + data.sources[b];
    document.getElementById("view-figures").textContent = figures(a, b);
    if (!v) {
      body.hidden = true;
      hint.textContent = data.max_views > 0
        ? "This pair has no side-by-side view: only the " + data.max_views + " most similar pairs have one (--views)."
        : "This report has no side-by-side views.";
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    body.hidden = false;
    var swap = a > b;
    var left = swap ? { doc: v.doc_b, spans: v.spans_b, covered: v.covered_b }
                    : { doc: v.doc_a, spans: v.spans_a, covered: v.covered_a };
    var right = swap ? { doc: v.doc_a, spans: v.spans_a, covered: v.covered_a }
                     : { doc: v.doc_b, spans: v.spans_b, covered: v.covered_b };
    [["a", left], ["b", right]].forEach(function (pair) {
      var side = pair[0], s = pair[1], d = data.docs[s.doc];
      document.getElementById("src-" + side).textContent = data.sources[d.source];
      document.getElementById("doc-" + side).textContent = "document " + d.id + " · " +
        s.spans.length + " shared passages · " + pct(s.covered) + " of its " + data.unit + "s in them (" +
        data.view_shingle + "-" + data.unit + " shingles)";
      fillText(document.getElementById("text-" + side), d.text, s.spans, side);
    });
  }

  function fromHash() {
    var m = /pair=(\d+),(\d+)/.exec(location.hash);
    if (m) select(+m[1], +m[2]);
  }

  function choose(a, b) {
    select(a, b);
    var h = "#pair=" + a + "," + b;
    if (location.hash !== h) location.hash = h;
  }

  document.querySelectorAll(".controls button").forEach(function (b) {
    b.addEventListener("click", function () { setMetric(b.getAttribute("data-metric")); });
  });
  document.querySelectorAll("figure svg").forEach(function (svg) {
    svg.addEventListener("click", function (ev) {
      var t = ev.target;
      if (t && t.getAttribute && t.getAttribute("data-a") !== null) {
        choose(+t.getAttribute("data-a"), +t.getAttribute("data-b"));
        return;
      }
      // A cell left undrawn (nothing shared): find it from the position.
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var ctm = svg.getScreenCTM();
      if (!ctm) return;
      var p = pt.matrixTransform(ctm.inverse());
      var cell = +svg.getAttribute("data-cell"), x0 = +svg.getAttribute("data-x0"), y0 = +svg.getAttribute("data-y0");
      var order = svg.getAttribute("data-order").split(",").map(Number);
      var c = Math.floor((p.x - x0) / cell), r = Math.floor((p.y - y0) / cell);
      if (r >= 0 && c >= 0 && r < order.length && c < order.length) choose(order[r], order[c]);
    });
  });
  document.querySelectorAll("tr.pair").forEach(function (r) {
    r.addEventListener("click", function () {
      choose(+r.getAttribute("data-a"), +r.getAttribute("data-b"));
    });
  });
  window.addEventListener("hashchange", fromHash);
  setMetric("containment");
  fromHash();
  document.body.setAttribute("data-ready", "1");
})();

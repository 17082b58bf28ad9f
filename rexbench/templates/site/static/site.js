/* rexbench leaderboard: sortable tables and track tabs. Vanilla JS, no dependencies. */
(function () {
  "use strict";
  var slice = Array.prototype.slice;

  function key(td, type) {
    if (!td) return null;
    var v = td.getAttribute("data-v");
    if (v === null) v = td.textContent.trim();
    if (v === "") return null;
    if (type === "num") {
      var n = parseFloat(v);
      return isNaN(n) ? null : n;
    }
    return v.toLowerCase();
  }

  /* Sort a table by one header cell. Missing values always go last; equal values keep the
     original (rank) order, so sorting is stable and repeatable. */
  function headers(table) {
    var out = [];
    slice.call(table.tHead.rows).forEach(function (row) { out = out.concat(slice.call(row.cells)); });
    return out;
  }

  function sortBy(table, th, dir) {
    var ths = headers(table);
    /* data-col gives the column index where header rows span (first-row index otherwise) */
    var col = th.hasAttribute("data-col") ? parseInt(th.getAttribute("data-col"), 10)
                                           : slice.call(table.tHead.rows[0].cells).indexOf(th);
    var type = th.getAttribute("data-type") || "text";
    var body = table.tBodies[0];
    var rows = slice.call(body.rows).map(function (tr) {
      return { tr: tr, k: key(tr.cells[col], type), i: parseInt(tr.getAttribute("data-i") || "0", 10) };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) {
        if (a.k === b.k) return a.i - b.i;
        return a.k === null ? 1 : -1;
      }
      var c = type === "num" ? a.k - b.k : a.k.localeCompare(b.k);
      if (dir === "desc") c = -c;
      return c || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r.tr); });
    body.appendChild(frag);
    ths.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
  }

  slice.call(document.querySelectorAll("table.sortable")).forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    headers(table).forEach(function (th) {
      var b = th.querySelector("button");
      if (!b) return;
      b.addEventListener("click", function () {
        var cur = th.getAttribute("aria-sort");
        var dir = cur === "ascending" ? "desc" : cur === "descending" ? "asc" : (th.getAttribute("data-dir") || "asc");
        sortBy(table, th, dir);
      });
    });
  });

  /* Tabs (WAI-ARIA tabs pattern: arrow keys, Home, End; automatic activation). The URL hash names the
     selected track (#<panel id> or #<track id>), so a track can be linked to and survives a reload. */
  slice.call(document.querySelectorAll('[role="tablist"]')).forEach(function (list) {
    var tabs = slice.call(list.querySelectorAll('[role="tab"]'));
    function select(tab, focus, keepHash) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        var p = document.getElementById(t.getAttribute("aria-controls"));
        if (p) p.hidden = !on;
      });
      if (focus) tab.focus();
      if (!keepHash && window.history && history.replaceState) {
        try { history.replaceState(null, "", "#" + tab.getAttribute("aria-controls")); } catch (e) { /* file: in some browsers */ }
      }
    }
    function fromHash() {
      var h = "";
      try { h = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
      if (!h) return;
      tabs.forEach(function (t) {
        if (t.getAttribute("aria-controls") === h || t.getAttribute("data-track") === h) select(t, false, true);
      });
    }
    tabs.forEach(function (t, i) {
      t.addEventListener("click", function () { select(t, false); });
      t.addEventListener("keydown", function (e) {
        var j = null;
        if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
        else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
        else if (e.key === "Home") j = 0;
        else if (e.key === "End") j = tabs.length - 1;
        if (j !== null) { e.preventDefault(); select(tabs[j], true); }
      });
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
  });
})();

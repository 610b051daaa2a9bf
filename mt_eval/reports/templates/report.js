(function () {
  "use strict";
  try {
    var D = JSON.parse(document.getElementById("page-data").textContent);
    var S = D.systems, M = D.metrics, SEG = D.segments, V = D.values, nS = S.length;
    var $ = function (id) { return document.getElementById(id); };
    function el(tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) { node.className = cls; }
      if (text !== undefined) { node.textContent = text; }
      return node;
    }
    function score(k, m, s) { return V[k][m * nS + s]; }
    // How much better a is than b on metric m (positive: a is better; TER: lower is better).
    function advantage(k, m, a, b) { var d = score(k, m, a) - score(k, m, b); return M[m].higher ? d : -d; }
    function fmt(x, m) { return x.toFixed(M[m].digits); }

    // ---- text direction: right-to-left when most letters are in a right-to-left script
    var RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC]/g, LETTER = /\p{L}/gu;
    function rtlShare(text) {
      var letters = (text.match(LETTER) || []).length;
      return letters ? (text.match(RTL) || []).length / letters : 0;
    }
    function direction(text) { var share = rtlShare(text); return share > 0.5 ? "rtl" : share > 0 ? "auto" : "ltr"; }

    // ---- diff: words and punctuation marks are separate tokens, so a missing comma shows as a comma
    var TOKEN = /\s+|[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;
    var MAX_PAIRS = 250000;  // token pairs compared at most (the comparison is quadratic)
    function tokens(text) {
      var found = [], m;
      TOKEN.lastIndex = 0;
      while ((m = TOKEN.exec(text)) !== null) { found.push({ t: m[0], start: m.index, end: m.index + m[0].length, space: /^\s/.test(m[0]) }); }
      return found;
    }
    // Longest common subsequence of two word lists: the operations that turn `from` into `to`.
    function operations(from, to) {
      var n = from.length, m = to.length;
      if (n * m > MAX_PAIRS) { return null; }
      var w = m + 1, table = new Uint16Array((n + 1) * w), i, j, ops = [];
      for (i = n - 1; i >= 0; i--) {
        for (j = m - 1; j >= 0; j--) {
          table[i * w + j] = from[i] === to[j] ? table[(i + 1) * w + j + 1] + 1 : Math.max(table[(i + 1) * w + j], table[i * w + j + 1]);
        }
      }
      i = 0; j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && from[i] === to[j]) { ops.push(["=", i++, j++]); }
        else if (j < m && (i === n || table[i * w + j + 1] >= table[(i + 1) * w + j])) { ops.push(["+", -1, j++]); }
        else { ops.push(["-", i++, -1]); }
      }
      return ops;
    }
    function severityAt(spans, start, end) {
      var rank = { minor: 1, major: 2, critical: 3 }, best = null;
      (spans || []).forEach(function (span) {
        if (span[0] < end && span[1] > start && (!best || (rank[span[2]] || 0) > (rank[best] || 0))) { best = span[2]; }
      });
      return best;
    }
    function markSeverity(node, severity) {
      if (!severity) { return node; }
      var mark = el("mark", "sev-" + severity.replace(/[^a-z]/g, ""));
      mark.title = severity + " error";
      mark.appendChild(node);
      return mark;
    }
    // Prose, with xCOMET's error spans highlighted by severity.
    function prose(text, spans) {
      var box = document.createDocumentFragment(), cursor = 0;
      (spans || []).slice().sort(function (x, y) { return x[0] - y[0]; }).forEach(function (span) {
        if (span[0] < cursor || span[1] > text.length) { return; }
        box.appendChild(document.createTextNode(text.slice(cursor, span[0])));
        box.appendChild(markSeverity(document.createTextNode(text.slice(span[0], span[1])), span[2]));
        cursor = span[1];
      });
      box.appendChild(document.createTextNode(text.slice(cursor)));
      return box;
    }
    // The text with what is not in `against` marked <ins> and what it lacks from `against` struck through.
    function difference(text, against, spans) {
      var box = document.createDocumentFragment();
      var mine = tokens(text), theirs = tokens(against);
      var myWords = mine.filter(function (t) { return !t.space; }), theirWords = theirs.filter(function (t) { return !t.space; });
      var ops = operations(theirWords.map(function (t) { return t.t; }), myWords.map(function (t) { return t.t; }));
      if (ops === null) {
        box.appendChild(el("span", "note", "[no differences shown: segment too long] "));
        box.appendChild(prose(text, spans));
        return box;
      }
      // status[j]: is my word j absent from `against`; missing[j]: the run of their words missing just before my word j.
      var status = myWords.map(function () { return "="; }), missing = {}, pending = null;
      ops.forEach(function (op) {
        if (op[0] === "-") { pending = pending ? [pending[0], op[1]] : [op[1], op[1]]; return; }
        if (pending) { missing[op[2]] = pending; pending = null; }
        if (op[0] === "+") { status[op[2]] = "+"; }
      });
      if (pending) { missing[myWords.length] = pending; }
      function struck(run) {  // their words as written there, spaces and all
        var node = el("del", "", against.slice(theirWords[run[0]].start, theirWords[run[1]].end));
        node.title = "missing here";
        return node;
      }
      var j = 0;
      mine.forEach(function (token) {
        if (token.space) { box.appendChild(document.createTextNode(token.t)); return; }
        if (missing[j]) { box.appendChild(struck(missing[j])); }
        var node = document.createTextNode(token.t);
        if (status[j] === "+") { var added = el("ins"); added.appendChild(node); node = added; }
        box.appendChild(markSeverity(node, severityAt(spans, token.start, token.end)));
        j++;
      });
      if (missing[j]) { box.appendChild(struck(missing[j])); }
      return box;
    }

    // ---- state, kept in the URL hash so that a link reproduces the view
    var DEFAULT_MARGIN = 5;
    var state = { a: 0, b: nS > 1 ? 1 : 0, m: 0, view: "prose", sort: "", desc: false, q: "", beats: false, margin: String(DEFAULT_MARGIN), marginFrom: "", bm: 0, disagree: false, flag: "", seg: "" };
    // The largest difference between two drafts' scores on each metric, over the segments on this page:
    // "beats by more than" a margin at or above it can never hold.
    var SPAN = M.map(function (_, m) {
      var low = Infinity, high = -Infinity;
      SEG.forEach(function (g, k) { for (var s = 0; s < nS; s++) { low = Math.min(low, score(k, m, s)); high = Math.max(high, score(k, m, s)); } });
      return high > low ? high - low : 0;
    });
    // Why a margin (as text) cannot be used on metric m, or null when it can.
    function marginProblem(text, m) {
      var v = String(text).trim() === "" ? NaN : Number(text);
      if (isNaN(v)) { return "is not a number"; }
      if (!isFinite(v)) { return "is not a finite number"; }
      if (v < 0) { return "is negative (it is how much better A must be)"; }
      if (M[m] && SPAN[m] > 0 && v >= SPAN[m]) { return "is not below " + fmt(SPAN[m], m) + ", the largest " + M[m].label + " difference between two drafts on this page, so no segment could pass"; }
      return null;
    }
    function fallbackMargin(m) { return marginProblem(DEFAULT_MARGIN, m) ? 0 : DEFAULT_MARGIN; }
    // The margin the filter uses: the one asked for, or the default when it cannot be used.
    function margin() { return marginProblem(state.margin, state.bm) ? fallbackMargin(state.bm) : Number(state.margin); }
    // What the link asked for that this page cannot show, said on the page (never silently dropped).
    var linkNotes = [];
    function shorten(text) { text = String(text); return text.length > 40 ? text.slice(0, 40) + "…" : text; }
    function readHash() {
      var params = new URLSearchParams(location.hash.slice(1)), known = ["a", "b", "m", "bm", "view", "sort", "desc", "q", "beats", "margin", "disagree", "flag", "seg"];
      linkNotes = [];
      function note(name, why, used) { linkNotes.push(name + "=“" + shorten(params.get(name)) + "” in the link " + why + "; " + used + "."); }
      function int(name, low, high) {
        if (!params.has(name)) { return null; }
        var text = params.get(name), v = /^\d+$/.test(text) ? +text : NaN;
        return isNaN(v) || v < low || v > high ? null : v;
      }
      function index(name, count, what, current, label) {
        var v = int(name, 0, count - 1);
        if (v === null && params.has(name)) { note(name, count ? "is not a " + what + " of this page (0–" + (count - 1) + ")" : "names a " + what + ", and this page has none", "showing " + label(current)); }
        return v === null ? current : v;
      }
      function flag(name) {
        if (!params.has(name)) { return false; }
        if (params.get(name) !== "0" && params.get(name) !== "1") { note(name, "is not 0 or 1", "taken as 0"); }
        return params.get(name) === "1";
      }
      params.forEach(function (_, name) { if (known.indexOf(name) < 0) { linkNotes.push("“" + shorten(name) + "” in the link is not a setting of this page; ignored."); } });
      var draft = function (s) { return "draft " + S[s]; }, metric = function (m) { return M[m] ? M[m].label : "no metric"; };
      state.a = index("a", nS, "draft", 0, draft); state.b = index("b", nS, "draft", nS > 1 ? 1 : 0, draft);
      state.m = index("m", M.length, "metric", 0, metric); state.bm = index("bm", M.length, "metric", 0, metric);
      state.view = "prose";
      if (params.has("view")) {
        var views = Array.prototype.map.call($("view").options, function (option) { return option.value; });
        if (views.indexOf(params.get("view")) >= 0) { state.view = params.get("view"); } else { note("view", "is not a view of this page", "showing prose"); }
      }
      state.sort = "";
      if (params.has("sort")) {
        if (sortOptions().some(function (option) { return option[0] === params.get("sort"); })) { state.sort = params.get("sort"); } else { note("sort", "is not a sort key of this page", "sorted by line number"); }
      }
      state.desc = flag("desc");
      state.q = params.get("q") || "";
      state.beats = flag("beats");
      state.margin = params.has("margin") ? params.get("margin") : String(DEFAULT_MARGIN);
      state.marginFrom = params.has("margin") ? "the link" : "";
      state.disagree = flag("disagree");
      state.flag = params.get("flag") || "";
      state.seg = params.get("seg") || "";
      // What an edited link asks for but this page cannot do is said, and not obeyed.
      if (state.beats && (nS < 2 || !M.length)) { state.beats = false; note("beats", "needs two drafts and a metric", "showing every segment"); }
      if (state.disagree && (nS < 2 || M.length < 2)) { state.disagree = false; note("disagree", "needs two drafts and two metrics", "showing every segment"); }
      if (state.flag && state.flag !== "any" && !Object.prototype.hasOwnProperty.call(D.flagLabels, state.flag)) { note("flag", "is not a kind of flag", "showing all segments"); state.flag = ""; }
      if (state.seg && !SEG.some(function (g) { return String(g.line) === state.seg; })) { note("seg", "is not a line shown on this page", "starting at the top"); state.seg = ""; }
    }
    // Every notice: the link's, and the margin's while it cannot be used (from the link or typed).
    function showNotices() {
      var notes = linkNotes.slice(), problem = M.length && state.marginFrom ? marginProblem(state.margin, state.bm) : null;
      if (problem) {
        var empty = String(state.margin).trim() === "", field = state.marginFrom === "the field";
        var what = !empty ? "The margin “" + shorten(state.margin) + "” (from " + state.marginFrom + ") " + problem
          : field ? "The margin field holds no number it can read" : "The margin in the link is empty";
        notes.push(what + "; using " + fallbackMargin(state.bm) + " instead.");
      }
      var box = $("notice");
      box.textContent = "";
      notes.forEach(function (text) { box.appendChild(el("span", "", text)); box.appendChild(el("br")); });
      box.hidden = !notes.length;
    }
    function writeHash() {
      var params = new URLSearchParams();
      if (nS > 1) { params.set("a", state.a); params.set("b", state.b); }
      if (M.length) { params.set("m", state.m); }
      if (state.view !== "prose") { params.set("view", state.view); }
      if (state.sort) { params.set("sort", state.sort); }
      if (state.desc) { params.set("desc", "1"); }
      if (state.q) { params.set("q", state.q); }
      if (state.beats) { params.set("beats", "1"); params.set("margin", margin()); params.set("bm", state.bm); }
      if (state.disagree) { params.set("disagree", "1"); }
      if (state.flag) { params.set("flag", state.flag); }
      if (state.seg) { params.set("seg", state.seg); }
      history.replaceState(null, "", "#" + params.toString());
    }

    // ---- the segments, built once from the data
    var box = $("segments"), sections = [], haystack = [];
    function badge(cls, text, title) { var node = el("span", "badge " + cls, text); if (title) { node.title = title; } return node; }
    function textCell(text) { var cell = el("div", "text"); cell.dir = direction(text); return cell; }
    SEG.forEach(function (g, k) {
      var section = el("section", "seg");
      section.id = "line-" + g.line; section.tabIndex = -1; section.setAttribute("role", "listitem");
      section.dataset.line = g.line; section.dataset.index = k;
      var head = el("div", "head"), link = el("a", "", "line " + g.line);
      link.href = "#seg=" + g.line;
      link.addEventListener("click", function (event) { event.preventDefault(); focusSegment(k); });
      head.appendChild(link);
      var winners = el("span", "winners");
      head.appendChild(winners);
      section.appendChild(head);
      var src = el("div", "src", g.src);
      src.dir = direction(g.src) === "ltr" ? "ltr" : "rtl"; src.lang = "ar";
      section.appendChild(src);
      var rows = { refs: [], outs: [] };
      g.refs.forEach(function (text, r) {
        var row = el("div", "row ref");
        row.appendChild(el("div", "who", D.references > 1 ? "reference " + (r + 1) : "reference"));
        var cell = textCell(text); cell.textContent = text; row.appendChild(cell);
        row.appendChild(el("div", "scores"));
        section.appendChild(row); rows.refs.push(row);
      });
      g.out.forEach(function (text, s) {
        var row = el("div", "row out"), who = el("div", "who"), cell = textCell(text);
        row.dataset.system = s;
        who.appendChild(el("span", "name", S[s]));
        var flagged = g.flags ? g.flags[s] : [];
        flagged.forEach(function (kind) { who.appendChild(badge("flag", D.flagLabels[kind] || kind)); });
        if (cell.dir !== "ltr" && flagged.indexOf("untranslated") < 0 && flagged.indexOf("identical_to_source") < 0) {
          who.appendChild(badge("flag", cell.dir === "rtl" ? "right-to-left script" : "mixed scripts", "letters of a right-to-left script in an English draft"));
        }
        var wins = el("span", "wins"); who.appendChild(wins);
        row.appendChild(who);
        cell.appendChild(prose(text, g.spans ? g.spans[s] : null));
        row.appendChild(cell);
        var scores = el("div", "scores");
        M.forEach(function (metric, m) {
          var part = el("span"); part.appendChild(document.createTextNode(metric.label + " "));
          part.appendChild(el("b", "", fmt(score(k, m, s), m)));
          scores.appendChild(part); scores.appendChild(document.createTextNode(m + 1 < M.length ? " · " : ""));
        });
        row.appendChild(scores);
        section.appendChild(row); rows.outs.push({ row: row, cell: cell, wins: wins });
      });
      // Which draft wins each metric here, and by how much over the runner-up.
      if (nS > 1) {
        M.forEach(function (metric, m) {
          var order = S.map(function (_, s) { return s; }).sort(function (x, y) { return advantage(k, m, y, x); });
          var margin = advantage(k, m, order[0], order[1]), part = el("span", "winner");
          if (margin < metric.tie) { part.textContent = metric.label + ": tie"; }
          else {
            part.appendChild(document.createTextNode(metric.label + ": "));
            part.appendChild(el("b", "", S[order[0]]));
            part.appendChild(document.createTextNode(" +" + fmt(margin, m)));
            rows.outs[order[0]].wins.appendChild(badge("win", "best " + metric.label + " +" + fmt(margin, m), "best on " + metric.label + " in this segment, by " + fmt(margin, m) + " over the next draft"));
          }
          winners.appendChild(part);
        });
      }
      sections.push({ node: section, rows: rows, shown: "prose" });
      haystack.push([g.src].concat(g.refs, g.out).join("\n").toLowerCase());
      box.appendChild(section);
    });

    // ---- showing texts as prose or as differences
    function showTexts(k) {
      var item = sections[k], g = SEG[k], view = state.view;
      if (item.shown === view) { return; }
      var against = null, target = -1;
      if (view.indexOf("ref:") === 0 && g.refs.length) { against = g.refs[Math.min(+view.slice(4), g.refs.length - 1)] ; }
      if (view.indexOf("sys:") === 0) { target = +view.slice(4); against = g.out[target]; }
      item.rows.refs.forEach(function (row, r) { row.classList.toggle("target", view === "ref:" + r); });
      item.rows.outs.forEach(function (out, s) {
        var text = g.out[s], spans = g.spans ? g.spans[s] : null;
        out.cell.textContent = "";
        out.row.classList.toggle("target", s === target);
        var old = out.row.querySelector(".badge.target");
        if (old) { old.remove(); }
        if (s === target) { out.row.querySelector(".who").appendChild(badge("target", "compared against")); }
        out.cell.appendChild(against === null || s === target ? prose(text, spans) : difference(text, against, spans));
      });
      item.shown = view;
    }

    // ---- texts are redrawn for the segments on screen at once and for the rest in
    // short slices between events, so a view change never freezes the page.
    var onScreen = {}, pending = [], next = 0, timer = null;
    var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var k = +entry.target.dataset.index;
        if (entry.isIntersecting) { onScreen[k] = true; showTexts(k); } else { delete onScreen[k]; }
      });
    }, { rootMargin: "1000px 0px" }) : null;
    if (observer) { sections.forEach(function (item) { observer.observe(item.node); }); }
    function redraw(shown) {
      pending = shown.filter(function (k) { if (onScreen[k] || !observer) { showTexts(k); return false; } return true; });
      next = 0;
      document.body.setAttribute("data-rendered", pending.length ? "no" : "yes");
      if (pending.length && timer === null) { timer = setTimeout(slice, 0); }
    }
    function slice() {
      timer = null;
      var until = performance.now() + 25;
      while (next < pending.length && performance.now() < until) { showTexts(pending[next++]); }
      if (next < pending.length) { timer = setTimeout(slice, 0); } else { document.body.setAttribute("data-rendered", "yes"); }
    }
    function flush() {  // before printing: every segment on show, drawn now
      while (next < pending.length) { showTexts(pending[next++]); }
      if (timer !== null) { clearTimeout(timer); timer = null; }
      document.body.setAttribute("data-rendered", "yes");
    }
    window.addEventListener("beforeprint", flush);

    // ---- which segments, in which order
    function disagreement(k) {
      var prefersA = false, prefersB = false;
      M.forEach(function (metric, m) {
        var d = advantage(k, m, state.a, state.b);
        if (d >= metric.tie) { prefersA = true; } else if (d <= -metric.tie) { prefersB = true; }
      });
      return prefersA && prefersB;
    }
    function hasFlag(k) {
      var flags = SEG[k].flags;
      if (!state.flag) { return true; }
      if (!flags) { return false; }
      return flags.some(function (kinds) { return state.flag === "any" ? kinds.length > 0 : kinds.indexOf(state.flag) >= 0; });
    }
    function visible(k) {
      if (state.q && haystack[k].indexOf(state.q.toLowerCase()) < 0) { return false; }
      if (state.beats && nS > 1 && M.length && !(advantage(k, state.bm, state.a, state.b) > threshold)) { return false; }
      if (state.disagree && nS > 1 && M.length > 1 && !disagreement(k)) { return false; }
      return hasFlag(k);
    }
    function sortValue(k) {
      var part = state.sort.split(":");
      if (!M[+part[part.length - 1]] || (part[0] === "s" && !(+part[1] < nS))) { return 0; }  // a sort key from an edited link
      if (part[0] === "d") { return advantage(k, +part[1], state.a, state.b); }
      if (part[0] === "s") { return score(k, +part[2], +part[1]); }
      return null;
    }
    var order = SEG.map(function (_, k) { return k; }), shownOrder = [], threshold = DEFAULT_MARGIN;
    function apply() {
      threshold = margin();
      // The margin field shows the margin in use, except while the reader is typing in it.
      if (state.marginFrom !== "the field" && $("margin")) { $("margin").value = String(threshold); }
      var sign = state.desc ? -1 : 1;
      var wanted = SEG.map(function (_, k) { return k; });
      if (state.sort) { wanted.sort(function (x, y) { return sign * (sortValue(x) - sortValue(y)) || x - y; }); }
      else if (state.desc) { wanted.reverse(); }
      var moved = wanted.some(function (k, i) { return order[i] !== k; });
      if (moved) {
        var fragment = document.createDocumentFragment();
        wanted.forEach(function (k) { fragment.appendChild(sections[k].node); });
        box.appendChild(fragment);
        order = wanted;
      }
      shownOrder = [];
      order.forEach(function (k) {
        var show = visible(k);
        sections[k].node.hidden = !show;
        if (show) { shownOrder.push(k); }
      });
      redraw(shownOrder);
      $("shown").textContent = shownOrder.length + " of " + SEG.length + " segments";
      showNotices();
      describe();
      writeHash();
    }
    function describe() {
      var legend = $("legend"), view = state.view;
      legend.textContent = "";
      var target = view.indexOf("ref:") === 0 ? (D.references > 1 ? "reference " + (+view.slice(4) + 1) : "the reference") : S[+view.slice(4)];
      if (view !== "prose") {
        legend.appendChild(el("ins", "", "marked")); legend.appendChild(document.createTextNode(": not in " + target + "; "));
        legend.appendChild(el("del", "", "struck")); legend.appendChild(document.createTextNode(": in " + target + ", missing here"));
      }
      var parts = [nS > 1 ? "Drafts " + S[state.a] + " (A) and " + S[state.b] + " (B)" : "Draft " + S[0]];
      parts.push(view === "prose" ? "shown as prose" : "differences from " + target);
      if (state.beats) { parts.push("where A beats B by more than " + threshold + " " + M[state.bm].label); }
      if (state.disagree) { parts.push("where the metrics disagree"); }
      if (state.q) { parts.push("containing “" + state.q + "”"); }
      if (state.flag) { parts.push(state.flag === "any" ? "flagged segments" : "flagged " + (D.flagLabels[state.flag] || state.flag)); }
      $("view-line").textContent = parts.join(" · ") + " — " + shownOrder.length + " of " + D.total + " segments";
    }

    // ---- the pair view: win/tie/loss, length buckets, scatter
    function pairEntry(m) {
      if (!D.pairs) { return null; }
      var low = Math.min(state.a, state.b), high = Math.max(state.a, state.b), entry = D.pairs.pairs[low + "," + high];
      if (!entry) { return null; }
      var metric = entry[M[m].key], flip = state.a > state.b;
      function turn(wtl) { return flip ? [wtl[2], wtl[1], wtl[0]] : wtl; }
      return {
        overall: turn(metric.overall),
        buckets: metric.buckets.map(function (b) { return b === null ? null : flip ? [b[1], b[0], b[4], b[3], b[2]] : b; })
      };
    }
    function cellRow(table, cells, header) {
      var tr = el("tr");
      cells.forEach(function (cell, i) {
        var td = el(header ? "th" : "td", i ? "num" : "");
        if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = cell; }
        tr.appendChild(td);
      });
      table.appendChild(tr);
      return tr;
    }
    function named(which) { return el("span", which === "a" ? "is-a" : "is-b", S[which === "a" ? state.a : state.b]); }
    function percent(n, total) { return total ? " (" + (100 * n / total).toFixed(1) + "%)" : ""; }
    function drawPair() {
      document.querySelectorAll("[data-name]").forEach(function (node) { node.textContent = S[node.dataset.name === "a" ? state.a : state.b]; });
      fillSort();
      var table = $("wtl");
      table.textContent = "";
      cellRow(table, ["metric", named("a"), "ties", named("b"), "significance"], true);
      M.forEach(function (metric, m) {
        var entry = pairEntry(m), total = D.total, test = D.comparisons.filter(function (c) {
          return c.metric === m && ((c.a === state.a && c.b === state.b) || (c.a === state.b && c.b === state.a));
        })[0];
        var verdict = test ? (test.significant ? "significant" : "not significant") + (test.p === null || test.p === undefined ? "" : ", p = " + test.p.toFixed(4)) : "no test for this pair";
        var wtl = entry ? entry.overall : [0, 0, 0];
        var row = cellRow(table, [metric.label, wtl[0] + percent(wtl[0], total), wtl[1] + percent(wtl[1], total), wtl[2] + percent(wtl[2], total), verdict]);
        row.dataset.metric = metric.key;
      });
      var buckets = $("buckets"), chosen = pairEntry(state.m);
      buckets.textContent = "";
      cellRow(buckets, ["source words", "segments", el("span", "is-a", S[state.a] + " " + M[state.m].label), el("span", "is-b", S[state.b] + " " + M[state.m].label), "A / tie / B"], true);
      D.pairs.buckets.forEach(function (label, i) {
        var b = chosen ? chosen.buckets[i] : null;
        if (!b) { return; }
        cellRow(buckets, [label, String(D.pairs.bucket_sizes[i]), fmt(b[0], state.m), fmt(b[1], state.m), b[2] + " / " + b[3] + " / " + b[4]]);
      });
      drawScatter();
    }
    var SVG = "http://www.w3.org/2000/svg";
    function svg(tag, attributes, text) {
      var node = document.createElementNS(SVG, tag);
      Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
      if (text !== undefined) { node.textContent = text; }
      return node;
    }
    function drawScatter() {
      var holder = $("scatter"), m = state.m, a = state.a, b = state.b;
      holder.textContent = "";
      var xs = SEG.map(function (_, k) { return score(k, m, a); }), ys = SEG.map(function (_, k) { return score(k, m, b); });
      var low = Math.min.apply(null, xs.concat(ys)), high = Math.max.apply(null, xs.concat(ys));
      if (!(high > low)) { high = low + 1; }
      var size = 400, pad = 44, span = size - pad - 12;
      function px(v) { return pad + (v - low) / (high - low) * span; }
      function py(v) { return size - pad - (v - low) / (high - low) * span; }
      var plot = svg("svg", { viewBox: "0 0 " + size + " " + size, role: "img" });
      plot.appendChild(svg("title", {}, S[b] + " against " + S[a] + ", " + M[m].label + " per segment"));
      plot.appendChild(svg("line", { x1: px(low), y1: py(low), x2: px(high), y2: py(high), stroke: "#aaa", "stroke-dasharray": "4 3" }));
      plot.appendChild(svg("line", { x1: pad, y1: size - pad, x2: size - 12, y2: size - pad, stroke: "#666" }));
      plot.appendChild(svg("line", { x1: pad, y1: size - pad, x2: pad, y2: 12, stroke: "#666" }));
      [low, high].forEach(function (v) {
        plot.appendChild(svg("text", { x: px(v), y: size - pad + 14, "font-size": 10, "text-anchor": "middle" }, fmt(v, m)));
        plot.appendChild(svg("text", { x: pad - 4, y: py(v) + 3, "font-size": 10, "text-anchor": "end" }, fmt(v, m)));
      });
      plot.appendChild(svg("text", { x: pad + span / 2, y: size - 8, "font-size": 11, "text-anchor": "middle", fill: "var(--a)" }, S[a] + " (A) · " + M[m].label));
      plot.appendChild(svg("text", { x: 12, y: pad + span / 2, "font-size": 11, "text-anchor": "middle", fill: "var(--b)", transform: "rotate(-90 12 " + (pad + span / 2) + ")" }, S[b] + " (B) · " + M[m].label));
      var points = svg("g", {});
      SEG.forEach(function (g, k) {
        var d = advantage(k, m, a, b), colour = d >= M[m].tie ? "var(--a)" : d <= -M[m].tie ? "var(--b)" : "#999";
        var dot = svg("circle", { cx: px(xs[k]).toFixed(1), cy: py(ys[k]).toFixed(1), r: SEG.length > 500 ? 2.2 : 3.5, fill: colour, "fill-opacity": 0.6 });
        dot.appendChild(svg("title", {}, "line " + g.line + ": " + S[a] + " " + fmt(xs[k], m) + ", " + S[b] + " " + fmt(ys[k], m)));
        dot.addEventListener("click", function () { focusSegment(k); });
        points.appendChild(dot);
      });
      plot.appendChild(points);
      holder.appendChild(plot);
      var note = el("p", "note", "One dot per segment" + (SEG.length < D.total ? " shown on this page (" + SEG.length + " of " + D.total + ")" : "") + ": above the diagonal " + S[b] + " scores higher" + (M[m].higher ? "" : " (worse: lower TER is better)") + ". Click a dot to read the segment.");
      holder.appendChild(note);
    }

    // ---- keyboard: j / k (or n / p) move between the segments on show
    var current = -1;
    function focusSegment(k) {
      current = k;
      var node = sections[k].node;
      if (node.hidden) { state.q = ""; state.beats = false; state.disagree = false; state.flag = ""; syncControls(); apply(); }
      state.seg = String(SEG[k].line);
      node.focus({ preventScroll: true });
      // Below the sticky controls, not under them.
      var controls = $("controls"), covered = getComputedStyle(controls).position === "sticky" ? controls.offsetHeight : 0;
      window.scrollTo(0, node.getBoundingClientRect().top + window.pageYOffset - covered - 8);
      writeHash();
    }
    function step(by) {
      if (!shownOrder.length) { return; }
      var at = shownOrder.indexOf(current), next = at < 0 ? (by > 0 ? 0 : shownOrder.length - 1) : Math.min(shownOrder.length - 1, Math.max(0, at + by));
      focusSegment(shownOrder[next]);
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target, tag = target && target.tagName;
      if (event.ctrlKey || event.metaKey || event.altKey || tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
      if (event.key === "j" || event.key === "n") { step(1); event.preventDefault(); }
      else if (event.key === "k" || event.key === "p") { step(-1); event.preventDefault(); }
    });

    // ---- controls
    function syncControls() {
      function set(id, property, value) { var node = $(id); if (node) { node[property] = value; } }
      set("pair-a", "value", String(state.a)); set("pair-b", "value", String(state.b)); set("pair-metric", "value", String(state.m));
      set("view", "value", state.view);
      if ($("view").value !== state.view) { state.view = "prose"; $("view").value = "prose"; }
      set("sort", "value", state.sort); set("descending", "checked", state.desc); set("query", "value", state.q);
      set("beats", "checked", state.beats); set("beats-metric", "value", String(state.bm));
      set("disagree", "checked", state.disagree); set("flag", "value", state.flag);
    }
    // A control the reader changes answers the link: its notices go.
    function on(id, event, handler) { var node = $(id); if (node) { node.addEventListener(event, function () { linkNotes = []; handler(node); apply(); }); } }
    on("pair-a", "change", function (node) { state.a = +node.value; drawPair(); });
    on("pair-b", "change", function (node) { state.b = +node.value; drawPair(); });
    on("pair-metric", "change", function (node) { state.m = +node.value; drawPair(); });
    on("swap", "click", function () { var a = state.a; state.a = state.b; state.b = a; syncControls(); drawPair(); });
    on("view", "change", function (node) { state.view = node.value; });
    on("sort", "change", function (node) { state.sort = node.value; });
    on("descending", "change", function (node) { state.desc = node.checked; });
    on("query", "input", function (node) { state.q = node.value.trim(); });
    on("beats", "change", function (node) { state.beats = node.checked; });
    // A number field's value is "" while what is typed is not a number: said so, not read as 0.
    on("margin", "input", function (node) { state.margin = node.value; state.marginFrom = "the field"; });
    on("beats-metric", "change", function (node) { state.bm = +node.value; });
    on("disagree", "change", function (node) { state.disagree = node.checked; });
    on("flag", "change", function (node) { state.flag = node.value; });
    // Sort keys: line; A's advantage over B per metric (with a pair); each draft's score per metric.
    function sortOptions() {
      var options = [["", "line number"]];
      if (nS > 1) { M.forEach(function (metric, m) { options.push(["d:" + m, S[state.a] + " over " + S[state.b] + " · " + metric.label]); }); }
      M.forEach(function (metric, m) { S.forEach(function (name, s) { options.push(["s:" + s + ":" + m, name + " · " + metric.label]); }); });
      return options;
    }
    function fillSort() {
      var sortBox = $("sort"), options = sortOptions();
      sortBox.textContent = "";
      options.forEach(function (option) { var node = el("option", "", option[1]); node.value = option[0]; sortBox.appendChild(node); });
      sortBox.value = state.sort;
      if (sortBox.value !== state.sort) { state.sort = ""; sortBox.value = ""; }
    }
    function start() {
      readHash();
      if (nS > 1 && M.length) { drawPair(); } else { fillSort(); }
      syncControls();
      apply();
      if (state.seg) {
        var k = SEG.map(function (g) { return String(g.line); }).indexOf(state.seg);
        if (k >= 0) { focusSegment(k); }
      }
    }
    window.addEventListener("hashchange", function () { start(); });
    start();
    document.body.setAttribute("data-ready", "yes");
    document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));  // for benchmarks/html_page.py
  } catch (error) {
    document.body.setAttribute("data-error", String(error && error.stack || error));
  }
})();

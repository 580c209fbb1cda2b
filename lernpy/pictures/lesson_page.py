"""The lesson page's HTML, CSS and script: a template filled in by lernpy.pictures.lesson.

Everything the page needs is in it; the Content-Security-Policy forbids any
request (no fonts, no scripts, no images from elsewhere) and runs no script but
the page's own, named by its SHA-256 hash (not 'unsafe-inline': markup that got
into the page some other way could not run).

The layout is for a projector as much as a laptop: the diagram scales to its
column, every line of the chain rule wraps under its own indent, the tables'
names wrap and their numbers never spill out of the page. Below 1100 pixels
the page is one column: diagram and loss, then the controls and the chain rule.
"""

import base64
import hashlib
import re

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="__CSP__">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
  * { box-sizing: border-box; }
  body { font-family: Helvetica, Arial, sans-serif; margin: 12px 16px; color: #111827;
         background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .sub { color: #4b5563; font-size: 13px; margin-bottom: 8px; }
  .stage { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 14px;
           align-items: start; }
  @media (max-width: 900px) { .stage { grid-template-columns: minmax(0, 1fr); } }
  .left, .side { min-width: 0; }
  #diagram { background: #fff; border: 1px solid #d1d5db; border-radius: 6px; padding: 4px;
             overflow: hidden; }
  #diagram svg { display: block; width: 100%; height: auto; max-height: 62vh; }
  #loss { background: #fff; border: 1px solid #d1d5db; border-radius: 6px; padding: 4px 8px;
          margin-top: 8px; overflow: hidden; font-size: 12.5px; }
  #loss svg { display: block; width: 100%; height: 70px; }
  #loss .dot { cursor: pointer; }
  #controls { display: flex; gap: 5px; flex-wrap: wrap; align-items: center; }
  button { font: inherit; font-size: 13px; padding: 5px 8px; border: 1px solid #9ca3af;
           background: #fff; border-radius: 5px; cursor: pointer; }
  button:hover { background: #eff6ff; }
  #slider { width: 100%; margin: 6px 0; }
  #where { font-size: 13px; color: #374151; overflow-wrap: anywhere; }
  #step { font-family: Menlo, Consolas, monospace; font-size: 14px; background: #fff;
          border-left: 4px solid #facc15; padding: 8px 10px; margin: 6px 0 8px;
          white-space: pre-wrap; overflow-wrap: anywhere; }
  #explain { font-family: Menlo, Consolas, monospace; font-size: 12.5px; background: #fff;
             border: 1px solid #d1d5db; border-radius: 6px; padding: 8px 10px;
             min-height: 120px; overflow-wrap: anywhere; overflow-x: hidden; }
  #explain .ln { white-space: pre-wrap; text-indent: -4ch; }
  #explain .ln.title { font-weight: bold; }
  #explain .hint { color: #6b7280; font-family: Helvetica, Arial, sans-serif; }
  .tables { display: flex; gap: 14px; flex-wrap: wrap; align-items: flex-start; margin-top: 10px; }
  .box { max-width: 100%; min-width: 0; overflow: hidden; }
  #links-box { flex: 1 1 620px; }
  #neurons-box { flex: 1 1 380px; }
  table { border-collapse: collapse; font-size: 12.5px; background: #fff; width: 100%; }
  caption { text-align: left; font-size: 13px; padding-bottom: 3px; }
  th, td { border: 1px solid #e5e7eb; padding: 3px 5px; text-align: right;
           font-family: Menlo, Consolas, monospace; }
  th { background: #f3f4f6; font-family: Helvetica, Arial, sans-serif; font-weight: normal;
       font-size: 12px; vertical-align: bottom; }
  th code { font-size: 11.5px; }
  td:first-child, th:first-child { text-align: left; }
  #links td:first-child { overflow-wrap: anywhere; }  /* a long link name wraps anywhere */
  #neurons td:first-child { overflow-wrap: break-word; }
  tr.focus td { background: #fef9c3; }
  tr.chosen td:first-child { outline: 2px solid #2563eb; }
  tbody tr { cursor: pointer; }
  .link, .hit, circle.neuron { cursor: pointer; }
  /* a click on a neuron's name or value is a click on the neuron */
  .neuron-name, .neuron-value, .neuron-sensitivity { pointer-events: none; }
  .link.focus { filter: drop-shadow(0 0 3px #f59e0b) drop-shadow(0 0 2px #f59e0b); }
  .link.chosen { filter: drop-shadow(0 0 3px #2563eb); }
  circle.neuron.focus { fill: #fef08a; }
  circle.neuron.chosen { stroke: #2563eb; stroke-width: 3; }
  .note { font-size: 12px; color: #6b7280; margin-top: 8px; }
  #exercise { background: #fff; border: 1px solid #d1d5db; border-radius: 6px; padding: 8px 10px;
              margin: 8px 0; font-size: 13px; }
  #exercise .q { margin: 4px 0; }
  #exercise label { display: inline-block; min-width: 9em;
                    font-family: Menlo, Consolas, monospace; }
  #exercise input { font: inherit; width: 9em; }
  #exercise .verdict { margin: 2px 0 6px 9em; white-space: pre-wrap; }
  #exercise .right { color: #047857; }
  #exercise .wrong { color: #b91c1c; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<div class="sub">__SUBTITLE__</div>
<div class="stage">
  <div class="left">
    <div id="diagram">__SVG__</div>
    <div id="loss"><div id="loss-text"></div><svg id="loss-chart" role="img"
      aria-label="the loss of each sample"></svg></div>
  </div>
  <div class="side">
    <div id="controls">
      <button id="first" title="the start (Home)">&#x00AB; start</button>
      <button id="prev-sample" title="back to the previous sample">&#x25C0; sample</button>
      <button id="prev-neuron"
        title="back to the previous neuron (shift + left)">&#x25C0; neuron</button>
      <button id="prev" title="one step back (left arrow)">&#x25C0; step</button>
      <button id="next" title="one step on (right arrow)">step &#x25B6;</button>
      <button id="next-neuron"
        title="on to the next neuron (shift + right)">neuron &#x25B6;</button>
      <button id="next-sample" title="on to the next sample">sample &#x25B6;</button>
      <button id="last" title="the end (End)">end &#x00BB;</button>
    </div>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <div id="exercise" hidden></div>
    <div id="where"></div>
    <div id="step"></div>
    <div id="explain"></div>
  </div>
</div>
<div class="tables">
  <div class="box" id="links-box"><table id="links"><caption>Links (click a row, or a link in
    the diagram, for its chain rule)</caption><thead><tr>__LINK_HEADS__</tr></thead>
    <tbody></tbody></table></div>
  <div class="box" id="neurons-box"><table id="neurons"><caption>Neurons (click one for its
    numbers)</caption><thead><tr>__NEURON_HEADS__</tr></thead><tbody></tbody></table></div>
</div>
<div class="note">Made with lernpy. Words as in the terminal: a neuron's value is what
textbooks write out_h1; a neuron's sensitivity is &#x2202;E/&#x2202;net, a link's
sensitivity &#x2202;E/&#x2202;w; blame = weight &#xb7; the target's sensitivity, sent back to
the source. Blue links are positive weights, orange dashed ones negative; width grows with
|weight|. Link to a step with #step=N (and #step=N&amp;link=w5). This page works offline and
loads nothing.</div>
<script type="application/json" id="lesson-data">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("lesson-data").textContent);
const F = D.frames;
let cur = 0;
let chosen = null;  // ["link", k] or ["neuron", i]
const $ = (id) => document.getElementById(id);
// lernpy.numbers.num, so that the page prints every number as the terminal does:
// 9 decimal places, trailing zeros dropped; tiny or huge numbers in scientific notation
function num(x, places = 9) {
  if (x === null || x === undefined) return "\\u00b7";
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (10 ** (2 - places) <= Math.abs(x) && Math.abs(x) < 1e7) {
    return x.toFixed(places).replace(/0+$/, "").replace(/\\.$/, "");
  }
  const sci = x.toExponential(Math.max(places - 6, 2));  // 4.386e-8: Python writes e-08
  return sci.replace(/e([+-])(\\d)$/, (_, sign, digit) => "e" + sign + "0" + digit);
}
function short(x) { return Number(x.toPrecision(4)).toString().replace("-", "\\u2212"); }
const POS = "#2563eb", NEG = "#ea580c", ZERO = "#9ca3af";
function colour(w) { return w > 0 ? POS : w < 0 ? NEG : ZERO; }
function linkName(l) { return l.name + (l.label ? " (" + l.label + ")" : ""); }

// Exercise mode (D.exercise): the page stops just before the first frame that shows a
// number the student has not typed yet; a right answer lets it go on to the next one.
const X = D.exercise || null;
function frameOf(at) {
  for (let g = 1; g < F.length; g++) {
    const fr = F[g];
    if (fr.k === at.k && (!at.f || (fr.f && fr.f[0] === at.f[0] && fr.f[1] === at.f[1]))) return g;
  }
  return F.length - 1;
}
function limit() {
  let cap = F.length - 1;
  if (X) for (const q of X.questions) if (!q.done) cap = Math.min(cap, q.frame - 1);
  return cap;
}
function readNumber(text) {
  const s = text.trim().replace(",", ".").replace("\\u2212", "-");
  if (!/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?$/i.test(s)) return null;
  const places = (s.split(/e/i)[0].split(".")[1] || "").length;
  return { v: parseFloat(s), tol: 0.5 * 10 ** -places, text: text.trim() };
}
const near = (a, b, tol) => Math.abs(a - b) <= tol * (1 + 1e-9) + 1e-15;
function judge(q, a) {
  if (near(a.v, q.value, q.tol)) return null;
  for (const m of q.mistakes) {
    if (near(a.v, m.value, Math.max(a.tol, m.tol))) return m.message.split("{answer}").join(a.text);
  }
  return q.name + ": you wrote " + a.text + ", which is not right; no mistake I know gives it";
}
function buildExercise() {
  const box = $("exercise");
  box.hidden = false;
  box.innerHTML = "<b>Exercise</b>: " + X.intro.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  X.questions.forEach((q, i) => {
    q.frame = frameOf(q.at);
    q.done = false;
    const div = document.createElement("div");
    div.className = "q";
    div.innerHTML = '<label></label><input autocomplete="off"> <button>check</button>' +
      '<div class="verdict"></div>';
    div.id = "question-" + i;
    div.querySelector("label").textContent = q.name + " =";
    const input = div.querySelector("input"), out = div.querySelector(".verdict");
    const go = () => {
      const a = readNumber(input.value);
      if (a === null) {
        out.className = "verdict wrong";
        out.textContent = "type a number";
        return;
      }
      const wrong = judge(q, a);
      out.className = "verdict " + (wrong ? "wrong" : "right");
      out.textContent = wrong ? "wrong: " + wrong : "right: " + q.name + " = " + num(q.value);
      if (!wrong) {
        q.done = true;
        input.disabled = true;
        show(q.frame);  // the step that shows the number just typed
      }
    };
    div.querySelector("button").addEventListener("click", go);
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); e.stopPropagation(); });
    box.appendChild(div);
  });
}

// tables, built once
const linkRows = D.links.map((l, k) => {
  const tr = document.createElement("tr");
  tr.id = "row-" + k;
  tr.dataset.name = l.name;
  tr.innerHTML = "<td></td>".repeat(8);
  tr.cells[0].textContent = linkName(l) + (l.frozen ? " (frozen)" : "");
  tr.addEventListener("click", () => choose(["link", k]));
  $("links").tBodies[0].appendChild(tr);
  return tr;
});
const neuronRows = D.neurons.map((n, i) => {
  const tr = document.createElement("tr");
  tr.dataset.name = n.name;
  tr.innerHTML = "<td></td>".repeat(5);
  tr.cells[0].textContent = n.name + (n.kind === "bias" ? " (bias)" : "");
  tr.addEventListener("click", () => choose(["neuron", i]));
  $("neurons").tBodies[0].appendChild(tr);
  return tr;
});
D.links.forEach((l, k) => {
  const el = $("link-" + k);
  if (el) {
    el.addEventListener("click", () => choose(["link", k]));
    // A wide invisible twin under all links makes a thin link easy to click.
    const hit = el.cloneNode(false);
    hit.removeAttribute("id");
    hit.setAttribute("class", "hit");
    hit.setAttribute("stroke", "transparent");
    hit.setAttribute("stroke-width", "12");
    hit.removeAttribute("stroke-dasharray");
    hit.addEventListener("click", () => choose(["link", k]));
    el.parentNode.insertBefore(hit, el.parentNode.firstChild);
  }
  const label = $("ll-" + k);
  if (label) label.addEventListener("click", () => choose(["link", k]));
});
D.neurons.forEach((n, i) => {
  const c = $("neuron-" + i);
  if (c) c.addEventListener("click", () => choose(["neuron", i]));
});

// Frame 0 holds every number, later frames only what changed: keep a full copy
// every KEY frames and replay the few changes in between.
const KEY = 64;
const keys = [];
(function buildKeys() {
  const n = F[0].n.map((r) => r.slice()), l = F[0].l.map((r) => r.slice());
  for (let f = 0; f < F.length; f++) {
    if (f > 0) apply(F[f], n, l);
    if (f % KEY === 0) keys.push({ n: n.map((r) => r.slice()), l: l.map((r) => r.slice()) });
  }
})();
function apply(fr, n, l) {
  for (const [i, ...row] of fr.dn) n[i] = row;
  for (const [k, ...row] of fr.dl) l[k] = row;
}
function stateAt(f) {
  const base = keys[Math.floor(f / KEY)];
  const n = base.n.map((r) => r.slice()), l = base.l.map((r) => r.slice());
  for (let g = Math.floor(f / KEY) * KEY + 1; g <= f; g++) apply(F[g], n, l);
  return { n, l };
}
// How far each neuron (1 fired, 2 sensed) and link (1 delivered, 2 learned, 3 updated)
// has come in the current sample.
function stages(f) {
  const ns = D.neurons.map((n) => (n.kind === "input" || n.kind === "bias" ? 1 : 0));
  const ls = D.links.map(() => 0);
  const rank = { Fired: 1, Sensed: 2, Delivered: 1, Learned: 2, Updated: 3 };
  for (let g = F[f].s0; g <= f && g > 0; g++) {
    const fr = F[g];
    if (!fr.f) continue;
    if (fr.f[0] === "neuron") ns[fr.f[1]] = rank[fr.k];
    else ls[fr.f[1]] = rank[fr.k];
  }
  return { ns, ls };
}
function explanation(list, f) {
  const start = F[f].s0;
  let lines = null;
  for (const [at, text] of list) {
    if (at <= f && at >= start) lines = text;
  }
  return lines;
}
function choose(what) {
  chosen = what;
  show(cur);
}
// Each line of the chain rule wraps under its own indent (plus four), never past the box.
function writeLines(box, lines) {
  box.textContent = "";
  lines.forEach((line, j) => {
    const div = document.createElement("div");
    const indent = line.length - line.trimStart().length;
    div.className = "ln" + (j === 0 ? " title" : "");
    div.style.paddingLeft = (indent + 4) + "ch";
    div.textContent = line.trimStart();
    box.appendChild(div);
  });
}

// The loss panel: every sample's loss so far, and the current one marked.
const LOSSES = D.losses;  // [frame, loss, epoch, sample]
function drawLoss() {
  const svg = $("loss-chart");
  const NS = "http://www.w3.org/2000/svg";
  if (!LOSSES.length) { svg.style.display = "none"; return; }
  svg.textContent = "";
  const W = Math.max(60, svg.clientWidth || 400), H = 70;  // drawn at the box's own size
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  const finite = LOSSES.map((p) => p[1]).filter(Number.isFinite);
  const hi = Math.max(...finite), lo = Math.min(0, ...finite);
  const x = (j) => 8 + (LOSSES.length === 1 ? (W - 16) / 2 : (j * (W - 16)) / (LOSSES.length - 1));
  const y = (v) => H - 6 - (hi > lo ? ((v - lo) / (hi - lo)) * (H - 14) : (H - 14) / 2);
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", LOSSES.map((p, j) => x(j) + "," + y(p[1])).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#6b7280");
  line.setAttribute("stroke-width", "1.5");
  svg.appendChild(line);
  LOSSES.forEach((p, j) => {
    const dot = document.createElementNS(NS, "circle");
    dot.setAttribute("cx", x(j));
    dot.setAttribute("cy", y(p[1]));
    dot.setAttribute("r", "3");
    dot.setAttribute("class", "dot");
    dot.setAttribute("fill", "#9ca3af");
    dot.id = "loss-" + j;
    const tip = document.createElementNS(NS, "title");  // its text once the sample is scored
    tip.id = "loss-tip-" + j;
    dot.appendChild(tip);
    dot.addEventListener("click", () => show(p[0]));
    svg.appendChild(dot);
  });
}
function showLoss(f) {
  let last = -1;
  LOSSES.forEach((p, j) => {
    if (p[0] <= f) last = j;
    const dot = $("loss-" + j);
    if (dot) dot.setAttribute("fill", p[0] <= f ? "#2563eb" : "#d1d5db");
    const tip = $("loss-tip-" + j);  // no number before its step (nor in exercise mode)
    if (tip) tip.textContent = "epoch " + p[2] + ", sample " + p[3] +
      (p[0] <= f ? ": loss E = " + num(p[1]) : ": not scored yet");
  });
  const count = LOSSES.length;
  const text = last < 0 ? "loss: no sample scored yet (" + count + " to come)"
    : "loss E = " + num(LOSSES[last][1]) + " (epoch " + LOSSES[last][2] + ", sample " +
      LOSSES[last][3] + "; " + (last + 1) + " of " + count + " samples scored)";
  const epoch = D.epochLosses.filter((p) => p[0] <= f);
  $("loss-text").textContent = text + (epoch.length ? "; epoch " + (epoch.length - 1) +
    " mean loss " + num(epoch[epoch.length - 1][1]) : "");
}

function show(f, keepHash) {
  cur = Math.max(0, Math.min(limit(), f));
  const fr = F[cur];
  $("slider").value = cur;
  const phase = fr.p ? " \\u00b7 " + fr.p : "";
  const sample = fr.s >= 0 ? " \\u00b7 epoch " + fr.e + ", sample " + fr.s : "";
  $("where").textContent = "step " + cur + " of " + (F.length - 1) + sample + phase;
  $("step").textContent = fr.t;
  const now = stateAt(cur);
  const start = stateAt(fr.s0);
  const { ns, ls } = stages(cur);
  const biggest = Math.max(1e-12, ...now.l.map((l) => Math.abs(l[0])));
  const relabelled = [];
  D.links.forEach((l, k) => {
    const [w, , sens, blame] = now.l[k];
    const stage = ls[k];
    const el = $("link-" + k);
    const isChosen = !!chosen && chosen[0] === "link" && chosen[1] === k;
    const isFocus = !!fr.f && fr.f[0] === "link" && fr.f[1] === k;
    if (el) {
      el.setAttribute("stroke", colour(w));
      el.setAttribute("stroke-width", (0.8 + 5.2 * Math.min(Math.abs(w) / biggest, 1)).toFixed(3));
      if (w < 0) el.setAttribute("stroke-dasharray", "5 3");
      else el.removeAttribute("stroke-dasharray");
      el.classList.toggle("focus", isFocus);
      el.classList.toggle("chosen", isChosen);
    }
    const label = $("ll-" + k);
    if (label) {
      const wanted = (l.label ? l.label + " " : "") + short(w);
      if (label.textContent !== wanted) {
        label.textContent = wanted;
        label.setAttribute("fill", colour(w));
        relabelled.push(k);
      }
    }
    const row = linkRows[k];
    const old = stage === 3 ? start.l[k][0] : w;  // the weight this sample started with
    const src = now.n[l.source], tgt = now.n[l.target];
    const srcKnown = ns[l.source] >= 1, tgtKnown = ns[l.target] >= 2;
    const cells = [old, srcKnown ? src[1] : null, tgtKnown ? tgt[3] : null,
                   stage >= 2 ? sens : null, stage >= 2 ? blame : null,
                   stage === 3 ? w - old : null, stage === 3 ? w : null];
    cells.forEach((v, c) => { row.cells[c + 1].textContent = num(v); });
    row.classList.toggle("focus", isFocus);
    row.classList.toggle("chosen", isChosen);
  });
  // The white box behind each changed label follows its new width: read every
  // size first, then write, so the page is laid out once.
  const sizes = relabelled.map((k) => $("ll-" + k).getBBox());
  relabelled.forEach((k, j) => {
    const bg = $("lb-" + k);
    if (bg) {
      bg.setAttribute("x", (sizes[j].x - 2).toFixed(2));
      bg.setAttribute("width", (sizes[j].width + 4).toFixed(2));
    }
  });
  D.neurons.forEach((n, i) => {
    const [net, value, error, sens] = now.n[i];
    const stage = ns[i];
    const v = $("nv0-" + i);
    if (v) v.textContent = n.kind === "bias" ? "1" : Number(value.toPrecision(6)).toString();
    const isFocus = !!fr.f && fr.f[0] === "neuron" && fr.f[1] === i;
    const isChosen = !!chosen && chosen[0] === "neuron" && chosen[1] === i;
    const c = $("neuron-" + i);
    if (c) {
      c.classList.toggle("focus", isFocus);
      c.classList.toggle("chosen", isChosen);
    }
    const row = neuronRows[i];
    const source = n.kind === "input" || n.kind === "bias";
    const vals = [source || stage < 1 ? null : net, stage >= 1 || source ? value : null,
                  stage >= 2 ? error : null, stage >= 2 ? sens : null];
    vals.forEach((x, c) => { row.cells[c + 1].textContent = num(x); });
    row.classList.toggle("focus", isFocus);
    row.classList.toggle("chosen", isChosen);
  });
  const box = $("explain");
  if (chosen === null) {
    box.innerHTML = '<div class="hint">Click a link or a neuron in the diagram, or a row of ' +
      "a table, to see its chain rule with this step's numbers.</div>";
  } else if (chosen[0] === "link") {
    const l = D.links[chosen[1]];
    const lines = explanation(D.explain[chosen[1]], cur);
    writeLines(box, lines !== null ? lines : [linkName(l), "not reached yet in this sample."]);
  } else {
    const n = D.neurons[chosen[1]];
    const lines = explanation(D.nexplain[chosen[1]], cur);
    writeLines(box, lines !== null ? lines : n.line);
  }
  showLoss(cur);
  if (!keepHash) remember();
}

// Deep links: #step=33 (and link=w5 or neuron=h1) open the page at that step.
function remember() {
  let hash = "#step=" + cur;
  if (chosen) {
    const item = chosen[0] === "link" ? D.links[chosen[1]] : D.neurons[chosen[1]];
    hash += "&" + chosen[0] + "=" + encodeURIComponent(item.label || item.name);
  }
  try { history.replaceState(null, "", hash); } catch (e) { /* a sandboxed frame: no URL */ }
}
function follow() {
  const params = new URLSearchParams((location.hash || "").replace(/^#/, ""));
  let f = params.has("step") ? parseInt(params.get("step"), 10) : D.start;
  const link = params.get("link"), neuron = params.get("neuron");
  if (link !== null) {
    const key = link.replace("->", "\\u2192");
    const k = D.links.findIndex((l) => l.name === key || l.label === link);
    if (k >= 0) chosen = ["link", k];
  } else if (neuron !== null) {
    const i = D.neurons.findIndex((n) => n.name === neuron);
    if (i >= 0) chosen = ["neuron", i];
  } else if (D.chosen !== null) {
    chosen = D.chosen;
  }
  show(Number.isFinite(f) ? f : 0, true);
}

function seek(dir, test) {
  let f = cur + dir;
  while (f > 0 && f < F.length - 1 && !test(F[f])) f += dir;
  show(f);
}
const isNeuron = (fr) => fr.k === "Fired" || fr.k === "Sensed";
const isSample = (fr) => fr.k === "Presented";
$("first").addEventListener("click", () => show(0));
$("last").addEventListener("click", () => show(F.length - 1));
$("prev").addEventListener("click", () => show(cur - 1));
$("next").addEventListener("click", () => show(cur + 1));
$("prev-neuron").addEventListener("click", () => seek(-1, isNeuron));
$("next-neuron").addEventListener("click", () => seek(1, isNeuron));
$("prev-sample").addEventListener("click", () => seek(-1, isSample));
$("next-sample").addEventListener("click", () => seek(1, isSample));
$("slider").max = F.length - 1;
if (X) buildExercise();
$("slider").addEventListener("input", (e) => show(+e.target.value));
document.addEventListener("keydown", (e) => {
  if (e.target && e.target.id === "slider") return;  // the slider moves itself
  if (e.key === "ArrowRight") {
    if (e.shiftKey) seek(1, isNeuron); else show(cur + 1);
    e.preventDefault();
  }
  if (e.key === "ArrowLeft") {
    if (e.shiftKey) seek(-1, isNeuron); else show(cur - 1);
    e.preventDefault();
  }
  if (e.key === "Home") { show(0); e.preventDefault(); }
  if (e.key === "End") { show(F.length - 1); e.preventDefault(); }
});
window.addEventListener("hashchange", follow);
window.addEventListener("resize", () => { drawLoss(); showLoss(cur); });
drawLoss();
follow();
</script>
</body>
</html>
"""


def _policy(page: str) -> str:
    """The page's Content-Security-Policy: only its one inline script runs, by its hash."""
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "img-src data:"
    )


CSP = _policy(PAGE)

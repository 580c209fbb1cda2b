"""The lesson page's HTML, CSS and script: a template filled in by lernpy.pictures.lesson.

Everything the page needs is in it; the Content-Security-Policy forbids any
request (no fonts, no scripts, no images from elsewhere) and runs no script but
the page's own, named by its SHA-256 hash (not 'unsafe-inline': markup that got
into the page some other way could not run).
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
  body { font-family: Helvetica, Arial, sans-serif; margin: 16px 22px; color: #111827;
         background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .sub { color: #4b5563; font-size: 13px; margin-bottom: 10px; }
  .top { display: flex; gap: 18px; align-items: flex-start; flex-wrap: wrap; }
  #diagram { background: #fff; border: 1px solid #d1d5db; border-radius: 6px; padding: 4px; }
  #diagram svg { display: block; }
  .side { flex: 1; min-width: 380px; }
  #controls { margin: 10px 0 6px; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
  button { font: inherit; font-size: 13px; padding: 5px 9px; border: 1px solid #9ca3af;
           background: #fff; border-radius: 5px; cursor: pointer; }
  button:hover { background: #eff6ff; }
  #slider { width: 100%; margin: 6px 0; }
  #where { font-size: 13px; color: #374151; }
  #step { font-family: Menlo, Consolas, monospace; font-size: 14px; background: #fff;
          border-left: 4px solid #facc15; padding: 8px 10px; margin: 6px 0 10px; }
  #explain { font-family: Menlo, Consolas, monospace; font-size: 12.5px; background: #fff;
             border: 1px solid #d1d5db; border-radius: 6px; padding: 10px; white-space: pre;
             overflow-x: auto; min-height: 140px; }
  #explain .hint { color: #6b7280; font-family: Helvetica, Arial, sans-serif; white-space: normal; }
  table { border-collapse: collapse; font-size: 12.5px; background: #fff; margin-top: 10px; }
  th, td { border: 1px solid #e5e7eb; padding: 3px 7px; text-align: right;
           font-family: Menlo, Consolas, monospace; }
  th { background: #f3f4f6; font-family: Helvetica, Arial, sans-serif; }
  td:first-child, th:first-child { text-align: left; }
  tr.focus td { background: #fef9c3; }
  tr.chosen td:first-child { outline: 2px solid #2563eb; }
  #links tbody tr { cursor: pointer; }
  .link, .hit { cursor: pointer; }
  .link.focus { filter: drop-shadow(0 0 3px #f59e0b) drop-shadow(0 0 2px #f59e0b); }
  .link.chosen { filter: drop-shadow(0 0 3px #2563eb); }
  circle.neuron.focus { fill: #fef08a; }
  .tables { display: flex; gap: 18px; flex-wrap: wrap; align-items: flex-start; }
  .note { font-size: 12px; color: #6b7280; margin-top: 8px; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<div class="sub">__SUBTITLE__</div>
<div class="top">
  <div id="diagram">__SVG__</div>
  <div class="side">
    <div id="controls">
      <button id="first" title="the start">&#x00AB; start</button>
      <button id="prev-sample" title="back to the previous sample">&#x25C0; sample</button>
      <button id="prev-neuron" title="back to the previous neuron">&#x25C0; neuron</button>
      <button id="prev" title="one step back (left arrow)">&#x25C0; step</button>
      <button id="next" title="one step on (right arrow)">step &#x25B6;</button>
      <button id="next-neuron" title="on to the next neuron">neuron &#x25B6;</button>
      <button id="next-sample" title="on to the next sample">sample &#x25B6;</button>
      <button id="last" title="the end">end &#x00BB;</button>
    </div>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <div id="where"></div>
    <div id="step"></div>
    <div id="explain"></div>
  </div>
</div>
<div class="tables">
  <table id="links"><caption>links in this step (click a row or a link for its chain rule)</caption>
    <thead><tr><th>link</th><th>weight</th><th>source value</th><th>target sensitivity</th>
    <th>&#x2202;E/&#x2202;w</th><th>&#x394;w</th><th>new weight</th></tr></thead>
    <tbody></tbody></table>
  <table id="neurons"><caption>neurons</caption>
    <thead><tr><th>neuron</th><th>net</th><th>value</th><th>error</th><th>sensitivity</th></tr>
    </thead><tbody></tbody></table>
</div>
<div class="note">Made with lernpy. Sensitivity of a neuron = &#x2202;E/&#x2202;net; of a link
= &#x2202;E/&#x2202;w. Blue links are positive weights, orange dashed ones negative; width grows
with |weight|. This page works offline and loads nothing.</div>
<script type="application/json" id="lesson-data">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("lesson-data").textContent);
const F = D.frames;
let cur = 0;
let chosen = null;
const $ = (id) => document.getElementById(id);
// lernpy.views.explain.num, so that the page prints every number as the terminal does:
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

// tables, built once
const linkRows = D.links.map((l, k) => {
  const tr = document.createElement("tr");
  tr.id = "row-" + k;
  tr.dataset.name = l.name;
  tr.innerHTML = "<td></td>".repeat(7);
  tr.cells[0].textContent =
    l.name + (l.label ? " (" + l.label + ")" : "") + (l.frozen ? " (frozen)" : "");
  tr.addEventListener("click", () => choose(k));
  $("links").tBodies[0].appendChild(tr);
  return tr;
});
const neuronRows = D.neurons.map((n, i) => {
  const tr = document.createElement("tr");
  tr.innerHTML = "<td></td>".repeat(5);
  tr.cells[0].textContent = n.name + (n.kind === "bias" ? " (bias)" : "");
  $("neurons").tBodies[0].appendChild(tr);
  return tr;
});
D.links.forEach((l, k) => {
  const el = $("link-" + k);
  if (el) {
    el.addEventListener("click", () => choose(k));
    // A wide invisible twin under all links makes a thin link easy to click.
    const hit = el.cloneNode(false);
    hit.removeAttribute("id");
    hit.setAttribute("class", "hit");
    hit.setAttribute("stroke", "transparent");
    hit.setAttribute("stroke-width", "12");
    hit.removeAttribute("stroke-dasharray");
    hit.addEventListener("click", () => choose(k));
    el.parentNode.insertBefore(hit, el.parentNode.firstChild);
  }
  const label = $("ll-" + k);
  if (label) label.addEventListener("click", () => choose(k));
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
function sampleStart(f) { return F[f].s0; }
function explanation(k, f) {
  const start = sampleStart(f);
  let text = null;
  for (const [at, lines] of D.explain[k]) {
    if (at <= f && at >= start) text = lines.join("\\n");
  }
  return text;
}
function choose(k) {
  chosen = k;
  show(cur);
}

function show(f) {
  cur = Math.max(0, Math.min(F.length - 1, f));
  const fr = F[cur];
  $("slider").value = cur;
  const phase = fr.p ? " \\u00b7 " + fr.p : "";
  const sample = fr.s >= 0 ? " \\u00b7 epoch " + fr.e + ", sample " + fr.s : "";
  const loss = fr.loss !== null ? " \\u00b7 loss E = " + num(fr.loss) : "";
  $("where").textContent = "step " + cur + " of " + (F.length - 1) + sample + phase + loss;
  $("step").textContent = fr.t;
  const now = stateAt(cur);
  const start = stateAt(fr.s0);
  const { ns, ls } = stages(cur);
  const biggest = Math.max(1e-12, ...now.l.map((l) => Math.abs(l[0])));
  const relabelled = [];
  D.links.forEach((l, k) => {
    const [w, , sens] = now.l[k];
    const stage = ls[k];
    const el = $("link-" + k);
    if (el) {
      el.setAttribute("stroke", colour(w));
      el.setAttribute("stroke-width", (0.8 + 5.2 * Math.min(Math.abs(w) / biggest, 1)).toFixed(3));
      if (w < 0) el.setAttribute("stroke-dasharray", "5 3");
      else el.removeAttribute("stroke-dasharray");
      el.classList.toggle("focus", !!fr.f && fr.f[0] === "link" && fr.f[1] === k);
      el.classList.toggle("chosen", chosen === k);
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
                   stage >= 2 ? sens : null, stage === 3 ? w - old : null, stage === 3 ? w : null];
    cells.forEach((v, c) => { row.cells[c + 1].textContent = num(v); });
    row.classList.toggle("focus", !!fr.f && fr.f[0] === "link" && fr.f[1] === k);
    row.classList.toggle("chosen", chosen === k);
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
    const c = $("neuron-" + i);
    if (c) c.classList.toggle("focus", !!fr.f && fr.f[0] === "neuron" && fr.f[1] === i);
    const row = neuronRows[i];
    const source = n.kind === "input" || n.kind === "bias";
    const vals = [source || stage < 1 ? null : net, stage >= 1 || source ? value : null,
                  stage >= 2 ? error : null, stage >= 2 ? sens : null];
    vals.forEach((x, c) => { row.cells[c + 1].textContent = num(x); });
    row.classList.toggle("focus", !!fr.f && fr.f[0] === "neuron" && fr.f[1] === i);
  });
  const box = $("explain");
  if (chosen === null) {
    box.innerHTML = '<span class="hint">Click a link in the diagram or a row of the table to see ' +
      "its chain rule with this step's numbers.</span>";
  } else {
    const l = D.links[chosen];
    const text = explanation(chosen, cur);
    box.textContent = text !== null ? text
      : l.name + (l.label ? " (" + l.label + ")" : "") + "\\nnot reached yet in this sample.";
  }
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
$("slider").addEventListener("input", (e) => show(+e.target.value));
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight") {
    if (e.shiftKey) seek(1, isNeuron); else show(cur + 1);
    e.preventDefault();
  }
  if (e.key === "ArrowLeft") {
    if (e.shiftKey) seek(-1, isNeuron); else show(cur - 1);
    e.preventDefault();
  }
});
show(0);
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

// Small SVG charts drawn by hand: a horizontal bar chart and a share (part of a whole) bar.

import { h } from "./dom.js";

const WIDTH = 360;
const ROW = 44;
const BAR = 17;
let serial = 0;

function svgFrame(title, summary, height, body) {
  const id = `chart-${++serial}`;
  return h(
    "svg:svg",
    { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart", preserveAspectRatio: "xMinYMin meet" },
    h("svg:title", { id: `${id}-t` }, title),
    h("svg:desc", { id: `${id}-d` }, summary),
    body,
  );
}

function numbersTable(rows, labelHeader, valueHeader) {
  return h(
    "details",
    { class: "numbers" },
    h("summary", {}, "Show the numbers"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, labelHeader), h("th", { scope: "col" }, valueHeader))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("th", { scope: "row" }, r.label), h("td", { class: "num" }, r.value === null ? "withheld" : String(r.value))))),
    ),
  );
}

/**
 * A horizontal bar chart. rows: [{label, value, kind?}]; a null value is a withheld count; kind
 * adds a class to the bar ("bar kind-trafficking"), coloured by the stylesheet.
 * Each bar is a <rect class="bar">, its label above it and its value at its end.
 */
export function barChart({ title, rows, labelHeader = "category", valueHeader = "cases", empty = "No cases you may see." }) {
  const shown = rows.filter((r) => r.value !== null);
  const max = Math.max(1, ...shown.map((r) => r.value));
  const plot = WIDTH - 48;
  const height = Math.max(1, rows.length) * ROW + 4;
  const body = rows.map((r, i) => {
    const y = i * ROW;
    const w = r.value === null ? 0 : Math.max(2, (r.value / max) * plot);
    return h(
      "svg:g",
      { class: "row" },
      h("svg:text", { x: 0, y: y + 15, class: "bar-label" }, r.label),
      r.value === null
        ? h("svg:text", { x: 0, y: y + 35, class: "bar-value" }, "withheld (small number)")
        : [
            h("svg:rect", { class: r.kind ? `bar kind-${r.kind}` : "bar", x: 0, y: y + 21, width: w.toFixed(1), height: BAR, rx: 2 },
              h("svg:title", {}, `${r.label}: ${r.value}`)),
            h("svg:text", { x: (w + 6).toFixed(1), y: y + 35, class: "bar-value" }, String(r.value)),
          ],
    );
  });
  const summary = rows.map((r) => `${r.label}: ${r.value === null ? "withheld" : r.value}`).join("; ");
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, title),
    rows.length ? svgFrame(title, summary, height, body) : h("p", { class: "hint empty" }, empty),
    rows.length ? numbersTable(rows, labelHeader, valueHeader) : null,
  );
}

/** A single bar split into a part and the rest of a whole ("1 of 6 cases concern a child"). */
export function shareChart({ title, part, whole, partLabel, restLabel, note = "" }) {
  const share = whole ? part / whole : 0;
  const w = WIDTH - 2;
  const pw = Math.round(share * w);
  const pct = Math.round(share * 100);
  const words = whole ? `${part} of ${whole} cases (${pct}%) ${partLabel}${note ? `, ${note}` : ""}.` : "No cases you may see.";
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", {}, title),
    whole
      ? svgFrame(title, words, 84, [
          h("svg:rect", { class: "bar share-rest", x: 0, y: 4, width: w, height: 28, rx: 3 }, h("svg:title", {}, `${restLabel}: ${whole - part}`)),
          h("svg:rect", { class: "bar share-part", x: 0, y: 4, width: pw, height: 28, rx: 3 }, h("svg:title", {}, `${partLabel}: ${part}`)),
          h("svg:rect", { class: "share-part", x: 0, y: 43, width: 12, height: 12, rx: 2 }),
          h("svg:text", { x: 18, y: 54, class: "bar-label" }, `${pct}% ${partLabel}`),
          h("svg:rect", { class: "share-rest", x: 0, y: 65, width: 12, height: 12, rx: 2 }),
          h("svg:text", { x: 18, y: 76, class: "bar-label" }, `${100 - pct}% ${restLabel}`),
        ])
      : null,
    h("p", { class: "hint" }, words),
  );
}

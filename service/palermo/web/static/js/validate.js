// The Validate tab: a partner dataset to POST /validate; the SHACL report grouped by shape and by
// focus node, in plain words, and the raw report (Turtle) to download.

import { call } from "./api.js";
import { download, fill, h, mediaTypeFor, say } from "./dom.js";
import { showError } from "./query.js";
import { shorten } from "./table.js";

const SEVERITY = {
  Violation: { rank: 0, noun: "problem", words: "must be fixed", icon: "✗" },
  Warning: { rank: 1, noun: "warning", words: "should be reviewed", icon: "!" },
  Info: { rank: 2, noun: "note", words: "for your information", icon: "i" },
};

const COMPONENT = {
  ClassConstraintComponent: "a value is not of the expected kind",
  DatatypeConstraintComponent: "a value has the wrong type (for example text where a number belongs)",
  MinInclusiveConstraintComponent: "a number is below the allowed range",
  MaxInclusiveConstraintComponent: "a number is above the allowed range",
  MinExclusiveConstraintComponent: "a number is below the allowed range",
  MaxExclusiveConstraintComponent: "a number is above the allowed range",
  MinCountConstraintComponent: "something required is missing",
  MaxCountConstraintComponent: "something is given more times than allowed",
  NodeKindConstraintComponent: "a value is the wrong kind of node (a link or a text)",
  PatternConstraintComponent: "a text does not have the expected form",
  InConstraintComponent: "a value is not one of the allowed choices",
  HasValueConstraintComponent: "a required value is missing",
  SPARQLConstraintComponent: "a Palermo rule is broken",
  NodeConstraintComponent: "a linked record breaks its own rules",
  ClosedConstraintComponent: "a property is not allowed here",
};

let last = null; // {text, mediaType} of the last dataset checked

const words = (camel) => camel.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

/** What a shape's name says it checks: "CaseShape-means" -> {rules: "Rules for case records: means"}. */
function shapeWords(iri) {
  const local = (iri || "").split(/[#/]/).pop() || "UnnamedShape";
  const [shape, path] = local.split("-", 2);
  const privacy = /PrivacyShape$/.test(shape);
  const subject = words(shape.replace(/(Privacy)?Shape$/, "")) || "other";
  const rules = `${privacy ? "Privacy rules" : "Rules"} for ${subject} records${path ? `: ${words(path)}` : ""}`;
  return { rules, subject };
}

function focusWords(node, subject) {
  if (!node) return "the dataset";
  if (node.startsWith("_:")) return `a ${subject} record without its own identifier (${node.slice(0, 10)}…)`;
  return shorten(node);
}

function groupBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(item);
  }
  return groups;
}

function worst(results) {
  return results.reduce((w, r) => Math.min(w, SEVERITY[r.severity]?.rank ?? 2), 2);
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function summary(report) {
  const c = report.counts || {};
  const v = c.Violation || 0;
  const w = c.Warning || 0;
  const i = c.Info || 0;
  if (report.conforms && !w && !i) {
    return h("p", { class: "verdict ok" }, "Your dataset meets every rule. It is ready to share.");
  }
  const parts = [];
  if (v) parts.push(`${plural(v, "problem", "problems")} that must be fixed`);
  if (w) parts.push(`${plural(w, "warning", "warnings")} to review`);
  if (i) parts.push(`${plural(i, "note", "notes")} for your information`);
  return h(
    "div",
    { class: `verdict ${report.conforms ? "ok" : "bad"}` },
    h("p", {}, report.conforms ? "Your dataset meets the rules, with " : "Your dataset does not meet the rules yet. We found ", parts.join(", "), "."),
    h(
      "ul",
      { class: "counts" },
      Object.entries(SEVERITY).map(([name, s]) =>
        h("li", { class: `sev-${name}` }, h("strong", {}, String(c[name] || 0)), ` ${s.noun}${(c[name] || 0) === 1 ? "" : "s"} (${s.words})`),
      ),
    ),
  );
}

function resultItem(r) {
  const s = SEVERITY[r.severity] || SEVERITY.Info;
  const component = (r.sourceConstraintComponent || "").split(/[#:/]/).pop();
  return h(
    "li",
    { class: `result sev-${r.severity}` },
    h("span", { class: "sev" }, h("span", { "aria-hidden": "true" }, `${s.icon} `), `${s.noun} (${s.words})`),
    h("p", { class: "msg" }, r.message || COMPONENT[component] || "A rule is broken."),
    h(
      "p",
      { class: "hint" },
      COMPONENT[component] ? `In short: ${COMPONENT[component]}. ` : "",
      r.resultPath ? ["Where: ", h("code", {}, r.resultPath), ". "] : "",
      r.value !== null && r.value !== undefined && r.value !== r.focusNode
        ? ["Value found: ", h("code", {}, r.value.startsWith("_:") ? "an unnamed record" : r.value), "."]
        : "",
    ),
  );
}

function report(report) {
  const results = (report.results || []).slice().sort((a, b) => (SEVERITY[a.severity]?.rank ?? 2) - (SEVERITY[b.severity]?.rank ?? 2));
  const byShape = [...groupBy(results, (r) => r.sourceShape || "")].sort((a, b) => worst(a[1]) - worst(b[1]));
  return h(
    "div",
    { class: "report" },
    summary(report),
    byShape.map(([shape, items]) => {
      const { rules, subject } = shapeWords(shape);
      return h(
        "section",
        { class: "shape-group", "data-shape": shape },
        h("h3", {}, rules, " ", h("span", { class: "count" }, plural(items.length, "finding", "findings"))),
        h("p", { class: "hint" }, "Rule: ", h("code", {}, shorten(shape))),
        [...groupBy(items, (r) => r.focusNode || "")].map(([focus, found]) =>
          h(
            "div",
            { class: "focus-group", "data-focus": focus },
            h("h4", {}, "In ", focusWords(focus, subject), " ", h("span", { class: "count" }, plural(found.length, "finding", "findings"))),
            h("ul", { class: "results-list" }, found.map(resultItem)),
          ),
        ),
      );
    }),
  );
}

async function downloadRaw() {
  const message = document.getElementById("validate-message");
  try {
    const response = await call("validate", { method: "POST", accept: "text/turtle", contentType: last.mediaType, body: last.text });
    download("validation-report.ttl", await response.text(), "text/turtle");
  } catch (error) {
    showError(message, error);
  }
}

export function initValidate() {
  const file = document.getElementById("validate-file");
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (!f) return;
    document.getElementById("validate-text").value = await f.text();
    document.getElementById("validate-format").value = mediaTypeFor(f.name, "text/turtle");
  });
  document.getElementById("validate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = document.getElementById("validate-message");
    const out = document.getElementById("validate-results");
    const text = document.getElementById("validate-text").value;
    if (!text.trim()) {
      say(message, "error", "Choose a dataset file or paste the data first.");
      return;
    }
    last = { text, mediaType: document.getElementById("validate-format").value };
    say(message, "info", "Checking the dataset…");
    try {
      const response = await call("validate", { method: "POST", accept: "application/json", contentType: last.mediaType, body: text });
      const answer = await response.json();
      say(message, answer.conforms ? "ok" : "error", answer.conforms ? "Checked: the dataset conforms." : "Checked: the dataset has problems.");
      fill(
        out,
        h("div", { class: "actions" }, h("button", { type: "button", id: "validate-download", onclick: downloadRaw }, "Download the full report (Turtle)")),
        report(answer),
      );
      const verdict = out.querySelector(".report");
      verdict.setAttribute("tabindex", "-1");
      verdict.scrollIntoView({ block: "start" });
      verdict.focus({ preventScroll: true });
    } catch (error) {
      showError(message, error, out);
    }
  });
}

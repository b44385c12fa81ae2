// The Validate tab: a partner dataset to POST /validate; the SHACL report grouped by shape and by
// focus node, in plain words, and the raw report (Turtle) to download. A large file goes to
// POST /validations as a job instead: a progress bar while the page polls its status, then the
// findings grouped by rule (the first of each, and how many more), and the full report as CSV
// and Turtle downloads.

import { ApiError, call, getToken } from "./api.js";
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

// ---------------------------------------------------------------------------------------------
// A large dataset as a job (POST /validations)

const JOB_TYPES = { nq: "application/n-quads", trig: "application/trig", nt: "application/n-triples" };
const POLL_FIRST_MS = 400;
const POLL_MOST_MS = 3000;
let jobRun = 0; // the job the page follows: polling for an older one stops

const jobEl = (name) => document.getElementById(`job-${name}`);

/** The media type of a file by its name, a ".gz" ending set aside. */
function jobMediaType(name) {
  const bare = name.replace(/\.gz$/i, "");
  return JOB_TYPES[bare.toLowerCase().split(".").pop()] || mediaTypeFor(bare, "text/turtle");
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/** Show where the job is: a bar with its fraction when the service knows it, else moving. */
function showProgress(phase, fraction) {
  jobEl("status").hidden = false;
  jobEl("phase").textContent = phase;
  const bar = jobEl("progress");
  if (fraction === null || fraction === undefined) bar.removeAttribute("value");
  else bar.value = Math.round(fraction * 100);
}

/** POST the file as it is (a ".gz" file with Content-Encoding: gzip); the answer is 202. */
async function upload(file, mediaType) {
  const headers = { Accept: "application/json", "Content-Type": mediaType };
  if (/\.gz$/i.test(file.name)) headers["Content-Encoding"] = "gzip";
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch("validations", { method: "POST", headers, body: file, cache: "no-store" }).catch(() => {
    throw new ApiError(0, { title: "No answer", detail: "the upload did not reach the service" });
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({ title: response.statusText })));
  return response;
}

/** Poll the job's status until it is done or failed (null when a newer job took over). */
async function follow(location, run) {
  let wait = POLL_FIRST_MS;
  for (;;) {
    if (run !== jobRun) return null;
    const status = await (await call(location, { accept: "application/json" })).json();
    if (status.status === "done" || status.status === "failed") return status;
    const started = status.started ? Math.max(0, Math.round((Date.now() - Date.parse(status.started)) / 1000)) : null;
    const phase = status.status === "queued" ? "Waiting for a free worker on the service…" : `Checking: ${status.progress?.phase || "validating"}…`;
    showProgress(started === null ? phase : `${phase} (${started} s)`, status.progress?.fraction);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 1.5, POLL_MOST_MS);
  }
}

function findingLine(r, subject) {
  const where = r.resultPath ? [" at ", h("code", {}, r.resultPath)] : "";
  const value =
    r.value !== null && r.value !== undefined && r.value !== r.focusNode
      ? [", value found: ", h("code", {}, r.value.startsWith("_:") ? "an unnamed record" : r.value)]
      : "";
  return h("li", { class: `result sev-${r.severity}` }, "In ", focusWords(r.focusNode, subject), where, value);
}

function ruleGroup(rule) {
  const s = SEVERITY[rule.severity] || SEVERITY.Info;
  const { rules, subject } = shapeWords(rule.sourceShape);
  return h(
    "section",
    { class: `rule-group sev-${rule.severity}`, "data-shape": rule.sourceShape, "data-count": rule.count },
    h("h4", {}, h("span", { "aria-hidden": "true" }, `${s.icon} `), rules, " ", h("span", { class: "count" }, plural(rule.count, "finding", "findings"))),
    h("p", { class: "msg" }, rule.message || COMPONENT[rule.sourceConstraintComponent] || "A rule is broken."),
    h("p", { class: "hint" }, `${s.noun[0].toUpperCase()}${s.noun.slice(1)}s ${s.words}. Rule: `, h("code", {}, shorten(rule.sourceShape))),
    h("ul", { class: "results-list" }, rule.results.map((r) => findingLine(r, subject))),
    rule.more ? h("p", { class: "more" }, `… and ${plural(rule.more, "more finding", "more findings")} of this rule, listed in the CSV report.`) : "",
  );
}

function downloadLink(status, format, type, label) {
  const href = status.links[format];
  const name = `validation-report.${format === "turtle" ? "ttl" : format}`;
  return h(
    "a",
    {
      href,
      download: name,
      class: "button",
      onclick: async (event) => {
        event.preventDefault(); // fetched with the token, which a plain link would not send
        try {
          download(name, await (await call(href, { accept: type })).text(), type);
        } catch (error) {
          showError(jobEl("message"), error);
        }
      },
    },
    label,
  );
}

function jobReport(status) {
  return h(
    "div",
    { class: "report job-report" },
    summary(status),
    h(
      "div",
      { class: "actions" },
      downloadLink(status, "csv", "text/csv", "Download the full report (CSV, for spreadsheets)"),
      downloadLink(status, "turtle", "text/turtle", "Download the full report (Turtle)"),
    ),
    status.rules.map(ruleGroup),
  );
}

async function submitJob(event) {
  event.preventDefault();
  const message = jobEl("message");
  const out = jobEl("results");
  const file = jobEl("file").files[0];
  if (!file) {
    say(message, "error", "Choose a dataset file first.");
    return;
  }
  const run = ++jobRun;
  fill(out);
  say(message, "info", `Sending ${file.name} (${megabytes(file.size)})…`);
  showProgress(`Uploading ${megabytes(file.size)}…`, null);
  try {
    const response = await upload(file, jobEl("format").value || jobMediaType(file.name));
    say(message, "info", "Received. The service is checking the dataset; you may stay or come back to this tab.");
    const status = await follow(response.headers.get("Location"), run);
    if (status === null) return;
    if (status.status === "failed") {
      jobEl("status").hidden = true;
      showError(message, new ApiError(400, status.error || {}), out);
      return;
    }
    showProgress("Checked.", 1);
    say(message, status.conforms ? "ok" : "error", status.conforms ? "Checked: the dataset conforms." : "Checked: the dataset has problems.");
    fill(out, jobReport(status));
    const report = out.querySelector(".report");
    report.setAttribute("tabindex", "-1");
    report.scrollIntoView({ block: "start" });
    report.focus({ preventScroll: true });
  } catch (error) {
    if (run !== jobRun) return;
    jobEl("status").hidden = true;
    showError(message, error, out);
  }
}

export function initValidate() {
  jobEl("form").addEventListener("submit", submitJob);
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

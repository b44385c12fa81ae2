// The Query tab: named queries (GET /queries, GET /queries/{name}) and a SPARQL editor (/sparql).

import { call, explain, getToken } from "./api.js";
import { download, fill, h, say } from "./dom.js";
import { resultsTable, toCsv } from "./table.js";

const RESULTS = "application/sparql-results+json";

let queries = [];
const texts = JSON.parse(document.getElementById("query-texts").textContent || "{}");

/** One form field for a query parameter (the types of palermo.sparql.named). */
function parameterField(p, queryName) {
  const id = `param-${queryName}-${p.name}`;
  const label = h("label", { for: id }, `${p.name}${p.required ? " (required)" : " (optional)"}`);
  const describedBy = `${id}-hint`;
  const common = { id, name: p.name, required: p.required, "aria-describedby": describedBy };
  let input;
  switch (p.type) {
    case "integer":
      input = h("input", { ...common, type: "number", step: "1" });
      break;
    case "decimal":
      input = h("input", { ...common, type: "number", step: "any" });
      break;
    case "date":
      input = h("input", { ...common, type: "date" });
      break;
    case "boolean":
      input = h("select", common, h("option", { value: "" }, "any"), h("option", { value: "true" }, "yes"), h("option", { value: "false" }, "no"));
      break;
    case "country":
      input = h("input", { ...common, type: "text", placeholder: "e.g. ITA", autocapitalize: "characters", spellcheck: "false" });
      break;
    case "iri":
      input = h("input", { ...common, type: "text", placeholder: "https://…", spellcheck: "false", inputmode: "url" });
      break;
    default:
      if (p.name === "label") {
        input = h(
          "select",
          common,
          ["", "trafficking", "smuggling", "both", "neither", "insufficient"].map((v) => h("option", { value: v }, v || "any")),
        );
      } else {
        input = h("input", { ...common, type: "text" });
      }
  }
  return h("div", { class: "field" }, label, input, h("p", { id: describedBy, class: "hint" }, `${p.description} (${p.type})`));
}

function selected() {
  const name = document.getElementById("named-select").value;
  return queries.find((q) => q.name === name);
}

function showSelected() {
  const q = selected();
  if (!q) return;
  document.getElementById("named-description").textContent = q.description;
  const params = document.getElementById("named-params");
  fill(params, q.parameters.length ? q.parameters.map((p) => parameterField(p, q.name)) : h("p", { class: "hint" }, "This question takes no parameters."));
  fill(
    document.getElementById("named-columns"),
    q.columns.map((c) => [h("dt", {}, c.name), h("dd", {}, c.description)]),
  );
}

function showResults(results, caption, filename) {
  const out = document.getElementById("query-results");
  const message = document.getElementById("query-message");
  if ("boolean" in results) {
    say(message, "ok", `The answer is ${results.boolean ? "yes" : "no"}.`);
    fill(out);
    return;
  }
  const n = results.results.bindings.length;
  say(
    message,
    "ok",
    n === 0 ? "No rows: nothing you may see matches." : `${n} row${n === 1 ? "" : "s"}.`,
    n === 0 && !getToken() ? " Without a token you see only the public cases, and counts of only a few cases are withheld." : "",
  );
  fill(
    out,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: () => download(`${filename}.csv`, toCsv(results), "text/csv") }, "Download CSV"),
      h("button", { type: "button", onclick: () => download(`${filename}.json`, JSON.stringify(results, null, 2), RESULTS) }, "Download JSON"),
    ),
    resultsTable(results, caption),
  );
}

function showGraph(text, caption) {
  say(document.getElementById("query-message"), "ok", "The query answered a graph (Turtle).");
  fill(
    document.getElementById("query-results"),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => download("graph.ttl", text, "text/turtle") }, "Download Turtle")),
    h("pre", { class: "code", tabindex: "0", "aria-label": caption }, text),
  );
}

export function showError(messageEl, error, resultsEl) {
  const e = explain(error);
  const problem = error.problem || {};
  const items = Array.isArray(problem.violations)
    ? h("ul", {}, problem.violations.map((v) => h("li", {}, v.message)))
    : null;
  say(messageEl, "error", h("strong", {}, e.headline), e.detail ? ` — ${e.detail}` : "", e.hint ? h("p", {}, e.hint) : null, items);
  if (resultsEl) fill(resultsEl);
}

async function runNamed(event) {
  event.preventDefault();
  const q = selected();
  const message = document.getElementById("query-message");
  const form = document.getElementById("named-form");
  if (!form.reportValidity()) return;
  const args = new URLSearchParams();
  for (const p of q.parameters) {
    const value = form.elements[p.name].value.trim();
    if (value) args.set(p.name, value);
  }
  const qs = args.toString();
  say(message, "info", `Running "${q.title}"…`);
  try {
    const response = await call(`queries/${encodeURIComponent(q.name)}${qs ? `?${qs}` : ""}`, { accept: RESULTS });
    showResults(await response.json(), q.title, q.name);
  } catch (error) {
    showError(message, error, document.getElementById("query-results"));
  }
}

/** Put the editor's caret where the service says the syntax error is ("error at 1:10"). */
function placeCaret(error) {
  const where = /error at (\d+):(\d+)/.exec(error.problem?.detail || "");
  if (!where) return;
  const editor = document.getElementById("sparql-text");
  const lines = editor.value.split("\n");
  const line = Math.min(Number(where[1]), lines.length) - 1;
  const offset = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + Number(where[2]) - 1;
  editor.focus();
  editor.setSelectionRange(offset, offset);
}

async function runSparql(event) {
  event.preventDefault();
  const text = document.getElementById("sparql-text").value;
  const message = document.getElementById("query-message");
  if (!text.trim()) {
    say(message, "error", "Write a query first.");
    return;
  }
  say(message, "info", "Running the query…");
  try {
    const response = await call("sparql", {
      method: "POST",
      accept: `${RESULTS}, text/turtle;q=0.9`,
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({ query: text }).toString(),
    });
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) showResults(await response.json(), "Query results", "results");
    else showGraph(await response.text(), "Query results");
  } catch (error) {
    showError(message, error, document.getElementById("query-results"));
    placeCaret(error);
  }
}

export async function initQuery() {
  const select = document.getElementById("named-select");
  select.addEventListener("change", showSelected);
  document.getElementById("named-form").addEventListener("submit", runNamed);
  document.getElementById("sparql-form").addEventListener("submit", runSparql);
  document.getElementById("sparql-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("sparql-form").requestSubmit();
    }
  });
  document.getElementById("named-edit").addEventListener("click", () => {
    const q = selected();
    const editor = document.getElementById("sparql-text");
    editor.value = texts[q.name] || "";
    editor.focus();
    say(
      document.getElementById("query-message"),
      "info",
      q.parameters.length
        ? "The question's SPARQL is in the editor. Its parameters are not filled in there: edit the query to narrow it."
        : "The question's SPARQL is in the editor.",
    );
  });
  try {
    const response = await call("queries", { accept: "application/json" });
    queries = await response.json();
  } catch (error) {
    showError(document.getElementById("query-message"), error);
    return;
  }
  fill(select, queries.map((q) => h("option", { value: q.name }, q.title)));
  const preferred = queries.find((q) => q.name === "count-cases-by-label");
  if (preferred) select.value = preferred.name;
  showSelected();
}

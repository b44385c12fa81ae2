// The Overview tab: charts from the aggregate named queries. Each chart stands alone: a query that
// fails (or that this service does not have) leaves a note in its place, not a blank page.

import { call, explain, getToken } from "./api.js";
import { barChart, shareChart } from "./charts.js";
import { elementName } from "./contract.js";
import { fill, h, say } from "./dom.js";

async function run(name) {
  const response = await call(`queries/${name}`, { accept: "application/sparql-results+json" });
  return (await response.json()).results.bindings;
}

/** A count cell as a number; null when the service withheld it (unbound or not a number). */
function count(term) {
  if (!term) return null;
  const n = Number(term.value);
  return Number.isFinite(n) ? n : null;
}

/** The last segment of an IRI (a country code, a class name), or a literal's text. */
function local(term) {
  if (!term) return "not recorded";
  return term.type === "uri" ? term.value.split(/[#/]/).pop() : term.value;
}

const byCount = (a, b) => (b.value ?? -1) - (a.value ?? -1) || a.label.localeCompare(b.label);

function failed(title, error) {
  const e = explain(error);
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), h("p", { class: "hint" }, `${e.headline}: ${e.detail}`));
}

export async function drawOverview() {
  const message = document.getElementById("overview-message");
  const out = document.getElementById("overview-charts");
  say(message, "info", "Drawing the charts…");
  const names = [
    "count-cases-by-label",
    "count-cases-by-exploitation",
    "count-cases-by-country-of-exploitation",
    "count-cases-by-country-of-origin",
    "count-cases-by-region",
    "list-cases",
    "list-child-cases",
  ];
  const settled = await Promise.allSettled(names.map(run));
  const got = Object.fromEntries(names.map((n, i) => [n, settled[i]]));
  const anonymous = !getToken();
  const empty = anonymous
    ? "Nothing to show without a token: counts of only a few cases are withheld, so that no one can be singled out."
    : "No cases to count.";
  let withheld = false;

  function chart(name, title, toRows, options = {}) {
    const result = got[name];
    if (result.status === "rejected") return failed(title, result.reason);
    const rows = toRows(result.value).sort(byCount);
    if (rows.some((r) => r.value === null) || (anonymous && rows.length === 0)) withheld = true;
    return barChart({ title, rows, empty, ...options });
  }

  const countries = (rows) => rows.map((r) => ({ label: local(r.country), value: count(r.cases) }));
  const charts = [
    chart(
      "count-cases-by-label",
      "Cases by assessment label",
      (rows) => rows.map((r) => ({ label: r.caseLabel.value, value: count(r.cases), kind: r.caseLabel.value })),
      { labelHeader: "label" },
    ),
    chart(
      "count-cases-by-exploitation",
      "Cases by form of exploitation (TIP Protocol art. 3(a))",
      (rows) => rows.map((r) => ({ label: r.name ? r.name.value : elementName(local(r.exploitation)), value: count(r.cases) })),
      { labelHeader: "form of exploitation" },
    ),
  ];
  const [cases, children] = [got["list-cases"], got["list-child-cases"]];
  const childTitle = "Share of cases concerning a child (TIP Protocol art. 3(c), 3(d))";
  let total = null;
  if (cases.status === "fulfilled" && children.status === "fulfilled") {
    // Both numbers count the cases the caller may list, so that the share compares like with like.
    total = new Set(cases.value.map((r) => r.case.value)).size;
    charts.push(
      shareChart({
        title: childTitle,
        part: new Set(children.value.map((r) => r.case.value)).size,
        whole: total,
        partLabel: "concern a child",
        restLabel: "adult or age unknown",
        note: "of the cases you may list",
      }),
    );
  } else {
    charts.push(failed(childTitle, cases.reason || children.reason));
  }
  charts.push(
    chart("count-cases-by-country-of-exploitation", "Cases by country of exploitation (ISO 3166 code)", countries, { labelHeader: "country" }),
    chart("count-cases-by-country-of-origin", "Cases by country of origin (ISO 3166 code)", countries, { labelHeader: "country" }),
  );
  if (got["count-cases-by-region"].status === "fulfilled") {
    charts.push(
      chart(
        "count-cases-by-region",
        "Cases by region of origin → region of exploitation",
        (rows) => rows.map((r) => ({ label: `${local(r.originRegion)} → ${local(r.exploitationRegion)}`, value: count(r.cases) })),
        { labelHeader: "regions", empty: anonymous ? `${empty} Or no regions are recorded.` : "No regions are recorded in these cases." },
      ),
    );
  }
  fill(out, charts);
  say(
    message,
    withheld ? "info" : "ok",
    total === null ? "" : `You may list ${total} case${total === 1 ? "" : "s"}.`,
    withheld ? " Some counts are withheld because they concern only a few cases; a token with read access shows them." : "",
  );
}

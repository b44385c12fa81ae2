// The Overview tab: charts from the aggregate named queries.

import { call, getToken } from "./api.js";
import { fill, say } from "./dom.js";
import { barChart, shareChart } from "./charts.js";
import { elementName } from "./contract.js";
import { showError } from "./query.js";

const LABEL_COLORS = {
  trafficking: "#b3261e",
  smuggling: "#1f5fa8",
  both: "#6b3fa0",
  neither: "#4d7c3a",
  insufficient: "#9a6700",
};

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

function local(iri) {
  return iri.split(/[#/]/).pop();
}

export async function drawOverview() {
  const message = document.getElementById("overview-message");
  const out = document.getElementById("overview-charts");
  say(message, "info", "Drawing the charts…");
  try {
    const [labels, exploitation, destination, origin, cases, children] = await Promise.all([
      run("count-cases-by-label"),
      run("count-cases-by-exploitation"),
      run("count-cases-by-country-of-exploitation"),
      run("count-cases-by-country-of-origin"),
      run("list-cases"),
      run("list-child-cases"),
    ]);
    const byCount = (a, b) => (b.value ?? -1) - (a.value ?? -1) || a.label.localeCompare(b.label);
    // The share is taken over the cases the caller may list, so both numbers count the same cases.
    const total = new Set(cases.map((r) => r.case.value)).size;
    const childCases = new Set(children.map((r) => r.case.value)).size;
    const withheld = [labels, exploitation, destination, origin].some((rows) => rows.some((r) => count(r.cases) === null)) ||
      (labels.length === 0 && total > 0);
    const empty = getToken()
      ? "No cases to count."
      : "Nothing to show without a token: counts of only a few cases are withheld, so that no one can be singled out.";
    const countries = (rows) =>
      rows.map((r) => ({ label: r.country ? local(r.country.value) : "not recorded", value: count(r.cases) })).sort(byCount);
    fill(
      out,
      barChart({
        title: "Cases by assessment label",
        labelHeader: "label",
        empty,
        rows: labels
          .map((r) => ({ label: r.caseLabel.value, value: count(r.cases), color: LABEL_COLORS[r.caseLabel.value] }))
          .sort(byCount),
      }),
      barChart({
        title: "Cases by form of exploitation (TIP Protocol art. 3(a))",
        labelHeader: "form of exploitation",
        empty,
        rows: exploitation
          .map((r) => ({ label: r.name ? r.name.value : elementName(local(r.exploitation.value)), value: count(r.cases) }))
          .sort(byCount),
      }),
      shareChart({
        title: "Share of cases concerning a child (TIP Protocol art. 3(c), 3(d))",
        part: childCases,
        whole: total,
        partLabel: "concern a child",
        note: "Of the cases you may list.",
        restLabel: "adult or age unknown",
      }),
      barChart({ title: "Cases by country of exploitation (ISO 3166 code)", labelHeader: "country", rows: countries(destination), empty }),
      barChart({ title: "Cases by country of origin (ISO 3166 code)", labelHeader: "country", rows: countries(origin), empty }),
    );
    say(
      message,
      withheld ? "info" : "ok",
      `You may list ${total} case${total === 1 ? "" : "s"}.`,
      withheld ? " Some counts are withheld because they concern only a few cases; a token with read access shows them." : "",
    );
  } catch (error) {
    showError(message, error, out);
  }
}

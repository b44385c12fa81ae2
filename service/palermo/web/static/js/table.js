// SPARQL JSON results (https://www.w3.org/TR/sparql11-results-json/) as a sortable table,
// and as CSV (https://www.w3.org/TR/sparql11-results-csv-tsv/) for download.

import { h } from "./dom.js";

export const PREFIXES = {
  pal: "https://w3id.org/palermo/ontology#",
  palsh: "https://w3id.org/palermo/shapes#",
  country: "http://publications.europa.eu/resource/authority/country/",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  owl: "http://www.w3.org/2002/07/owl#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  dcterms: "http://purl.org/dc/terms/",
  prov: "http://www.w3.org/ns/prov#",
  sh: "http://www.w3.org/ns/shacl#",
};

/** An IRI shortened with a known prefix ("pal:Case"), or the IRI itself. */
export function shorten(iri) {
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && iri.length > ns.length) return `${prefix}:${iri.slice(ns.length)}`;
  }
  return iri;
}

/** The text shown for one RDF term of a result. */
export function termText(term) {
  if (!term) return "";
  if (term.type === "uri") return shorten(term.value);
  if (term.type === "bnode") return `_:${term.value}`;
  return term.value;
}

const NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger)$/;

function sortKey(term) {
  if (!term) return { n: null, s: "" };
  if (term.datatype && NUMERIC.test(term.datatype)) return { n: Number(term.value), s: term.value };
  return { n: null, s: termText(term).toLowerCase() };
}

function compare(a, b) {
  const x = sortKey(a);
  const y = sortKey(b);
  if (x.n !== null && y.n !== null) return x.n - y.n;
  if (x.s === "" && y.s !== "") return 1; // unbound last
  if (y.s === "" && x.s !== "") return -1;
  return x.s.localeCompare(y.s, undefined, { numeric: true });
}

/** A table for SPARQL JSON results; column headers are buttons that sort the rows. */
export function resultsTable(results, caption) {
  const vars = results.head.vars || [];
  let rows = results.results.bindings.slice();
  const state = { column: null, ascending: true };
  const tbody = h("tbody");
  const headers = vars.map((v) => {
    const button = h("button", { type: "button", class: "sort" }, v, h("span", { class: "arrow", "aria-hidden": "true" }, ""));
    const th = h("th", { scope: "col", "aria-sort": "none" }, button);
    button.addEventListener("click", () => sortBy(v));
    return th;
  });

  function render() {
    tbody.replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          {},
          vars.map((v) => {
            const term = row[v];
            const numeric = term && term.datatype && NUMERIC.test(term.datatype);
            return h("td", { class: numeric ? "num" : null, title: term && term.type === "uri" ? term.value : null }, termText(term));
          }),
        ),
      ),
    );
  }

  function sortBy(v) {
    state.ascending = state.column === v ? !state.ascending : true;
    state.column = v;
    rows.sort((a, b) => compare(a[v], b[v]) * (state.ascending ? 1 : -1));
    headers.forEach((th, i) => {
      const on = vars[i] === v;
      th.setAttribute("aria-sort", on ? (state.ascending ? "ascending" : "descending") : "none");
      th.querySelector(".arrow").textContent = on ? (state.ascending ? " ▲" : " ▼") : "";
    });
    render();
  }

  render();
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", { class: "results-table" }, h("caption", {}, caption), h("thead", {}, h("tr", {}, headers)), tbody),
  );
}

function csvField(text) {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** SPARQL 1.1 CSV: full IRIs, plain lexical forms, blank nodes as _:label. */
export function toCsv(results) {
  const vars = results.head.vars || [];
  const lines = [vars.map(csvField).join(",")];
  for (const row of results.results.bindings) {
    lines.push(
      vars
        .map((v) => {
          const t = row[v];
          if (!t) return "";
          return csvField(t.type === "bnode" ? `_:${t.value}` : t.value);
        })
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

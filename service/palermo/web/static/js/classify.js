// The Classify tab: a case graph (pasted, uploaded or built by the form) to POST /classify, and
// the assessment drawn as boxes: the three elements of trafficking, the two of smuggling.

import { call } from "./api.js";
import { ELEMENTS, GROUPS, elementName } from "./contract.js";
import { fill, h, mediaTypeFor, say } from "./dom.js";
import { showError } from "./query.js";

const FORM_CASE = "https://example.org/case/form";

// ------------------------------------------------------------------ the form
function buildChecks() {
  for (const box of document.querySelectorAll("#case-form .checks")) {
    const group = box.dataset.group;
    fill(
      box,
      GROUPS[group].map(([local, name]) => {
        const id = `case-${group}-${local}`;
        return h(
          "div",
          { class: "check" },
          h("input", { type: "checkbox", id, name: group, value: local }),
          h("label", { for: id }, name),
        );
      }),
    );
  }
}

function ticked(group) {
  return [...document.querySelectorAll(`#case-form input[name="${group}"]:checked`)].map((i) => i.value);
}

/** The case graph described by the form, in Turtle (DESIGN.md, the case-graph contract). */
export function formTurtle() {
  const lines = [];
  const node = (local) => `[ a pal:${local} ]`;
  const age = document.getElementById("case-age").value.trim();
  lines.push(`    pal:affectedPerson [ a pal:Person${age ? ` ; pal:ageAtTimeOfAct ${Number.parseInt(age, 10)}` : ""} ]`);
  for (const group of ["act", "means", "purpose", "procures", "benefit"]) {
    const locals = ticked(group);
    if (locals.length) lines.push(`    pal:${group} ${locals.map(node).join(" , ")}`);
  }
  const ruled = ticked("ruledOut");
  if (ruled.length) lines.push(`    pal:ruledOut ${ruled.map((l) => `pal:${l}`).join(" , ")}`);
  return [
    "@prefix pal: <https://w3id.org/palermo/ontology#> .",
    "",
    `<${FORM_CASE}> a pal:Case ;`,
    `${lines.join(" ;\n")} .`,
    "",
  ].join("\n");
}

function updatePreview() {
  document.getElementById("case-turtle").textContent = formTurtle();
}

// ------------------------------------------------------------------ the proofs
/**
 * A box's proof (POST /classify?explain=true): the statements the decision rules read for the
 * box, each opened down to the input's lines and the ontology's axioms, and the article it ends at.
 */
function proofTree(proof, box) {
  const conclusion = proof && (proof.conclusions || []).find((c) => c.box === box);
  if (!conclusion) return null;
  const byId = Object.fromEntries(proof.statements.map((s) => [s.id, s]));
  const shown = new Set();
  const where = (s) => {
    if (s.asserted) return `your input${s.asserted.line ? `, line ${s.asserted.line}` : ""}`;
    const o = s.ontology || {};
    if (o.entailed) return "entailed by the ontology";
    return `ontology, ${o.file || ""}${o.line ? ` line ${o.line}` : ""}${o.term ? ` (${o.term})` : ""}`;
  };
  const item = (id, role) => {
    const s = byId[id];
    const text = h("code", { class: "statement" }, s.text);
    if (!s.rule) return h("li", { class: s.asserted ? "fact asserted" : "fact ontology" }, role ? `${role} ` : "", text, h("span", { class: "where" }, ` — ${where(s)}`));
    if (shown.has(id)) return h("li", { class: "derived" }, text, h("span", { class: "where" }, " — shown above"));
    shown.add(id);
    return h(
      "li",
      { class: "derived" },
      text,
      h("span", { class: "rule" }, ` ⇐ ${s.rule}`),
      h("ul", {}, [...s.schema.map((x) => item(x, "axiom:")), ...s.premises.map((x) => item(x, ""))]),
    );
  };
  return h(
    "details",
    { class: "proof", "data-box": box },
    h("summary", {}, "Proof"),
    h("p", { class: "claim" }, conclusion.claim),
    h("ul", { class: "proof-tree" }, conclusion.statements.map((id) => item(id, ""))),
    (conclusion.closedWorld || []).length
      ? h("ul", { class: "closed-world" }, conclusion.closedWorld.map((n) => h("li", {}, `closed world: ${n}`)))
      : null,
    h(
      "ul",
      { class: "proof-basis" },
      (conclusion.basis || []).map((b) =>
        h("li", {}, `⇒ ${b.article}`, b.statement ? h("span", { class: "where" }, ` — ${byId[b.statement].text} (${where(byId[b.statement])})`) : h("span", { class: "where" }, " — decision rules")),
      ),
    ),
  );
}

// ------------------------------------------------------------------ the picture
/**
 * The state of each element box: present, missing, ruled-out, absent, or not-needed.
 * The answer lists what is missing per Protocol, not which of it was ruled out: with one case in
 * the graph, an element is ruled out when the graph names its individual (pal:MeansElement...).
 */
function elementState(finding, element, text, oneCase) {
  const found = finding[element.key];
  const missing = finding.missing || [];
  if (Array.isArray(found) ? found.length > 0 : !missing.includes(element.key)) return "present";
  if (element.key === "means" && finding.childRule) return "not-needed";
  if (oneCase) return new RegExp(`\\b${element.ruledOut}\\b`).test(text) ? "ruled-out" : "missing";
  if (finding.status === "ruled-out" && missing.length === 1) return "ruled-out";
  return finding.status === "ruled-out" ? "absent" : "missing";
}

const STATE_TEXT = {
  present: ["✓", "present"],
  missing: ["?", "not shown"],
  "ruled-out": ["✗", "ruled out"],
  absent: ["✗", "not shown or ruled out"],
  "not-needed": ["–", "not needed: child"],
};

const STATUS_TEXT = {
  established: "established",
  "ruled-out": "ruled out",
  insufficient: "cannot be decided yet",
};

function elementBox(protocol, finding, element, text, oneCase, proof) {
  const state = elementState(finding, element, text, oneCase);
  const [icon, words] = STATE_TEXT[state];
  const found = finding[element.key];
  return h(
    "li",
    { class: `element ${state}`, "data-element": element.key, "data-state": state },
    h("div", { class: "element-head" },
      h("strong", {}, element.title),
      h("span", { class: "state" }, h("span", { "aria-hidden": "true" }, `${icon} `), words),
    ),
    Array.isArray(found) && found.length
      ? h("p", { class: "found" }, found.map(elementName).join(", "))
      : h("p", { class: "what" }, element.what),
    h("p", { class: "article" }, element.article),
    proofTree(proof, element.key),
  );
}

const RULE = {
  trafficking: "Established with an act, a means and a purpose; for a child, no means is needed.",
  smuggling: "Established with an illegal entry or stay and a benefit for those who procured it.",
};

function protocolBlock(protocol, title, finding, text, oneCase, proof) {
  const status = finding.status;
  const elements = ELEMENTS[protocol];
  return h(
    "section",
    { class: `protocol ${protocol} status-${status}`, "aria-label": `${title}: ${STATUS_TEXT[status] || status}` },
    h("h4", {}, title, " ", h("span", { class: `status status-${status}` }, STATUS_TEXT[status] || status)),
    h("p", { class: "rule" }, RULE[protocol]),
    h("ol", { class: `elements n${elements.length}` }, elements.map((e) => elementBox(protocol, finding, e, text, oneCase, proof))),
    h("p", { class: "basis" }, "Basis: ", (finding.basis || []).join("; ")),
    proofTree(proof, protocol),
  );
}

function childNote(finding, proof) {
  if (finding.childRule) {
    return h(
      "div",
      { class: "note child-rule" },
      h("strong", {}, "Child rule applied. "),
      "The affected person is a child (under 18 at the time of the act, TIP Protocol art. 3(d)): " +
        "no means is needed, and consent is irrelevant (art. 3(b), 3(c)).",
      proofTree(proof, "childRule"),
    );
  }
  return h(
    "p",
    { class: "note child-rule" },
    h("strong", {}, "Child rule not applied. "),
    "The affected person is not known to be under 18 (TIP Protocol art. 3(c), 3(d)), so a means is required.",
  );
}

let serial = 0;

function assessmentCard(a, text, oneCase) {
  const id = `assessment-${++serial}`;
  return h(
    "article",
    { class: "assessment", "data-label": a.label, tabindex: "-1", "aria-labelledby": id },
    h("header", {},
      h("h3", { id }, "Case ", h("code", {}, a.case)),
      h("p", { class: `label label-${a.label}` }, h("span", { class: "visually-hidden" }, "Label: "), a.label),
    ),
    protocolBlock("trafficking", "Trafficking in persons", a.trafficking, text, oneCase, a.proof),
    childNote(a.trafficking, a.proof),
    protocolBlock("smuggling", "Smuggling of migrants", a.smuggling, text, oneCase, a.proof),
    h("p", { class: "explanation" }, a.explanation),
  );
}

function legend(states) {
  return h(
    "ul",
    { class: "legend", "aria-label": "What the boxes mean" },
    Object.entries(STATE_TEXT).filter(([state]) => states.has(state)).map(([state, [icon, words]]) =>
      h("li", { class: `element ${state}` }, h("span", { "aria-hidden": "true" }, `${icon} `), words),
    ),
  );
}

// ------------------------------------------------------------------ sending
async function classify(text, mediaType) {
  const message = document.getElementById("classify-message");
  const out = document.getElementById("classify-results");
  say(message, "info", "Classifying…");
  try {
    const response = await call("classify?explain=true", { method: "POST", accept: "application/json", contentType: mediaType, body: text });
    const answer = await response.json();
    const cases = answer.cases || [];
    if (!cases.length) {
      say(message, "error", "The graph holds no case: type the case node ", h("code", {}, "a pal:Case"), ".");
      fill(out);
      return;
    }
    say(message, "ok", `${cases.length} case${cases.length === 1 ? "" : "s"} assessed (ontology ${answer.ontologyVersion}).`);
    const cards = cases.map((a) => assessmentCard(a, text, cases.length === 1));
    const states = new Set(cards.flatMap((c) => [...c.querySelectorAll("[data-state]")].map((b) => b.dataset.state)));
    fill(out, legend(states), cards);
    const first = out.querySelector(".assessment");
    first.scrollIntoView({ block: "start" });
    first.focus({ preventScroll: true });
  } catch (error) {
    showError(message, error, out);
  }
}

export function initClassify() {
  buildChecks();
  updatePreview();
  const form = document.getElementById("case-form");
  form.addEventListener("input", updatePreview);
  form.addEventListener("change", updatePreview);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    updatePreview();
    classify(formTurtle(), "text/turtle");
  });

  const file = document.getElementById("paste-file");
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (!f) return;
    document.getElementById("paste-text").value = await f.text();
    document.getElementById("paste-format").value = mediaTypeFor(f.name, "text/turtle");
  });
  document.getElementById("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("paste-text").value;
    if (!text.trim()) {
      say(document.getElementById("classify-message"), "error", "Paste a case graph or choose a file first.");
      return;
    }
    classify(text, document.getElementById("paste-format").value);
  });
}

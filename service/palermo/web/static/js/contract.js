// The case-graph contract (DESIGN.md): element classes with plain-English names, and the
// Protocol articles behind each element of the two definitions.

export const PAL = "https://w3id.org/palermo/ontology#";

export const GROUPS = {
  act: [
    ["Recruitment", "recruitment"],
    ["Transportation", "transportation"],
    ["Transfer", "transfer"],
    ["Harbouring", "harbouring"],
    ["Receipt", "receipt of persons"],
  ],
  means: [
    ["ThreatOfForce", "threat of force"],
    ["UseOfForce", "use of force"],
    ["Coercion", "other forms of coercion"],
    ["Abduction", "abduction"],
    ["Fraud", "fraud"],
    ["Deception", "deception"],
    ["AbuseOfPower", "abuse of power"],
    ["AbuseOfVulnerability", "abuse of a position of vulnerability"],
    ["PaymentToPersonInControl", "payments to a person having control over another"],
  ],
  purpose: [
    ["SexualExploitation", "sexual exploitation"],
    ["ExploitationOfProstitution", "exploitation of the prostitution of others"],
    ["ForcedLabour", "forced labour or services"],
    ["Slavery", "slavery"],
    ["PracticeSimilarToSlavery", "practices similar to slavery"],
    ["Servitude", "servitude"],
    ["OrganRemoval", "removal of organs"],
  ],
  procures: [
    ["IllegalEntry", "illegal entry into a country (SoM art. 3(a))"],
    ["IllegalStay", "illegal stay in a country (SoM art. 6(1)(c))"],
  ],
  benefit: [
    ["FinancialBenefit", "a financial benefit (a fee, a payment)"],
    ["MaterialBenefit", "another material benefit"],
  ],
  ruledOut: [
    ["ActElement", "the act"],
    ["MeansElement", "the means"],
    ["PurposeElement", "the purpose (exploitation)"],
    ["IrregularMigrationElement", "illegal entry or stay"],
    ["BenefitElement", "a benefit to those who moved the person"],
  ],
};

const NAMES = Object.fromEntries(Object.values(GROUPS).flat());

/** A plain name for an element class local name ("ForcedLabour" -> "forced labour or services"). */
export function elementName(local) {
  if (NAMES[local]) return NAMES[local].replace(/ \(SoM art\. [^)]*\)$/, "");
  return local.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** The elements of each definition, in the order of the Protocol text. */
export const ELEMENTS = {
  trafficking: [
    { key: "act", title: "Act", ruledOut: "ActElement", article: "TIP Protocol art. 3(a)",
      what: "recruitment, transportation, transfer, harbouring or receipt of persons" },
    { key: "means", title: "Means", ruledOut: "MeansElement", article: "TIP Protocol art. 3(a); not needed for a child, art. 3(c)",
      what: "threat, force, coercion, abduction, fraud, deception, abuse of power or vulnerability, payments" },
    { key: "purpose", title: "Purpose", ruledOut: "PurposeElement", article: "TIP Protocol art. 3(a)",
      what: "exploitation: sexual exploitation, forced labour, slavery, servitude, removal of organs" },
  ],
  smuggling: [
    { key: "irregularMigration", title: "Illegal entry or stay", ruledOut: "IrregularMigrationElement",
      article: "SoM Protocol art. 3(a), 3(b); art. 6(1)(c)",
      what: "procuring a person's illegal entry into, or illegal stay in, a country" },
    { key: "benefit", title: "Benefit", ruledOut: "BenefitElement", article: "SoM Protocol art. 3(a)",
      what: "a financial or other material benefit for those who did it" },
  ],
};

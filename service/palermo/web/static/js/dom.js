// Small DOM helpers: build elements without innerHTML, and save text as a download.

/** Build an element: h("p", {class: "x"}, "text", child). Attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the children of an element. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Offer text as a file download. */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Read a chosen file as text. */
export function readFile(file) {
  return file.text();
}

/** The media type for a file name, by its extension. */
export function mediaTypeFor(name, fallback) {
  const ext = name.toLowerCase().split(".").pop();
  return (
    {
      ttl: "text/turtle",
      turtle: "text/turtle",
      jsonld: "application/ld+json",
      json: "application/ld+json",
      nt: "application/n-triples",
      rdf: "application/rdf+xml",
      owl: "application/rdf+xml",
      xml: "application/rdf+xml",
    }[ext] || fallback
  );
}

/** Show a message in a status area; kind is "info", "error" or "ok". */
export function say(el, kind, ...content) {
  el.className = `message ${kind}`;
  fill(el, ...content);
}

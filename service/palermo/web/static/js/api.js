// Talking to the Palermo HTTP API: the bearer token and errors in words.

const TOKEN_KEY = "palermo.token";

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent("palermo:token"));
}

/** An error the service answered (application/problem+json, RFC 9457) or a network failure. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// The page is a polite client: it keeps at most two requests in flight, the share the service
// gives one client without a token (PALERMO_ANONYMOUS_QUERIES_PER_CLIENT), and when the service
// still answers 429 it waits as told (Retry-After, at most a few seconds) and asks again.
const MAX_IN_FLIGHT = 2;
const MAX_RETRIES = 3;
const MAX_WAIT_S = 3;
let inFlight = 0;
const waiting = [];

function acquire() {
  if (inFlight < MAX_IN_FLIGHT) {
    inFlight += 1;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve)); // the slot is handed over in release()
}

function release() {
  const next = waiting.shift();
  if (next) next();
  else inFlight -= 1;
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** fetch() with the token as "Authorization: Bearer"; resolves to the Response when it is ok. */
export async function call(path, { method = "GET", accept, body, contentType } = {}) {
  const headers = {};
  if (accept) headers.Accept = accept;
  if (contentType) headers["Content-Type"] = contentType;
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  for (let attempt = 0; ; attempt += 1) {
    await acquire();
    try {
      response = await fetch(path, { method, headers, body, cache: "no-store" });
    } catch {
      throw new ApiError(0, {
        title: "No answer",
        detail: "the service could not be reached; check that it is running",
      });
    } finally {
      release();
    }
    if (response.status !== 429 || attempt >= MAX_RETRIES) break;
    const told = Number.parseFloat(response.headers.get("Retry-After") || "1");
    await sleep(Math.min(Number.isFinite(told) ? told : 1, MAX_WAIT_S));
  }
  if (response.ok) return response;
  let problem;
  const text = await response.text();
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { title: response.statusText || "Error", detail: text.slice(0, 300) };
  }
  throw new ApiError(response.status, problem);
}

/** Words for an error: what went wrong and, where we know it, what to do. */
export function explain(error) {
  if (!(error instanceof ApiError)) {
    return { headline: "Something went wrong in the page", detail: String(error), hint: "" };
  }
  const p = error.problem || {};
  const hints = {
    0: "",
    400: "The request could not be read: check the text you sent.",
    401: "This needs an access token. Enter one at the top of the page.",
    403: "Your access token does not allow this. Ask for a token with a wider scope.",
    404: "The service does not know this.",
    406: "The service cannot answer in the format the page asked for.",
    413: "What you sent is too large for the service.",
    415: "The service cannot read this format: choose another format.",
    422: "The data was read but breaks the rules listed below.",
    429: "The service is answering other questions of yours: wait a moment and try again.",
    503: "The service is busy or a query ran too long: try a narrower question.",
  };
  let detail = (p.detail || "").replace(/\berror at (\d+):(\d+)/, "error at line $1, column $2");
  if (p.line) detail += ` (line ${p.line})`;
  return {
    headline: p.title || `The service answered ${error.status}`,
    detail,
    hint: hints[error.status] ?? "",
  };
}

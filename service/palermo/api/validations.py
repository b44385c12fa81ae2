"""Validation jobs over HTTP: ``POST /validations``, ``GET /validations/{id}`` and
``GET /validations/{id}/report`` (the jobs themselves are :mod:`palermo.validation.jobs`).

``POST /validations`` takes a dataset in any RDF syntax Palermo reads (by Content-Type), sent as
it is or with ``Content-Encoding: gzip``, up to ``MAX_VALIDATION_BYTES`` counted both as sent
and with gzip undone. The body goes to disk as it arrives, never whole into memory, and the
answer is ``202 Accepted`` with the job's status and its ``Location``. ``?engine=`` names the
validation engine, as on ``POST /validate``. The status (``queued``, ``running`` with its
progress, ``done`` with the counts and the results grouped by rule, ``failed`` with the reason
and line) is at the ``Location``; the report at ``.../report`` by content negotiation: JSON,
Turtle (the ``sh:ValidationReport``), CSV (one row per result), HTML, or plain text grouped by
rule; ``?format=json|turtle|csv|html|text`` chooses instead, for links.

Only the token that sent a job sees it; a job sent without a token is seen by whoever holds its
id. Anyone else gets ``404``, as for an id never issued. Too many jobs queued or running, for the
caller or in all, get ``429`` with ``Retry-After``. Nothing here is cached: ``no-store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, json, render_template_string, request, url_for

from palermo.api.auth import current_principal
from palermo.api.context import palermo
from palermo.api.negotiation import negotiate
from palermo.api.web import CSP
from palermo.errors import NotAcceptable, UnsupportedMediaType
from palermo.rdf.parsing import syntax_for_media_type
from palermo.validation.jobs import DONE, Job, ValidationJobs
from palermo.validation.validator import DEFAULT_ENGINE, check_engine

bp = Blueprint("validations", __name__)

JSON = "application/json"
#: The report's media types, the first the default, and the report file of each.
REPORT_TYPES: dict[str, str] = {
    JSON: "json",
    "text/turtle": "turtle",
    "text/csv": "csv",
    "text/html": "html",
    "text/plain": "text",
}
#: ``?format=`` names.
FORMATS = {kind: media for media, kind in REPORT_TYPES.items()}
_CHUNK = 1 << 20
_NO_STORE = {"Cache-Control": "no-store", "Vary": "Accept, Authorization"}


def _jobs() -> ValidationJobs:
    return palermo().validations


def _owner() -> str:
    return current_principal().fingerprint


@bp.post("/validations")
def create() -> Response:
    owner = _owner()
    engine = check_engine(request.args.get("engine", DEFAULT_ENGINE))
    syntax = syntax_for_media_type(request.content_type)
    job = _jobs().submit(
        _body(),
        owner=owner,
        syntax=syntax,
        engine=engine,
        gzip=_gzip(request.headers.get("Content-Encoding")),
        declared_size=request.content_length,
    )
    response = _status(job, 202)
    response.headers["Location"] = url_for(".status", job_id=job.id)
    return response


@bp.get("/validations/<job_id>")
def status(job_id: str) -> Response:
    return _status(_jobs().get(job_id, _owner()))


@bp.get("/validations/<job_id>/report")
def report(job_id: str) -> Response:
    jobs = _jobs()
    job = jobs.get(job_id, _owner())
    media = _report_type()
    kind = REPORT_TYPES[media]
    if kind == "html":
        html = render_template_string(
            REPORT_PAGE,
            job=job.as_dict(jobs.ttl),
            rules=jobs.rules(job),
            links={name: url_for(".report", job_id=job.id, format=name) for name in FORMATS},
        )
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        path = jobs.report_path(job, kind)
        response = Response(_file_chunks(path), mimetype=media)
        response.content_length = path.stat().st_size
        if kind == "csv":
            response.headers["Content-Disposition"] = 'attachment; filename="validation-report.csv"'
    response.headers.update(_NO_STORE)
    return response


# ---------------------------------------------------------------------------------------------


def _body() -> Iterator[bytes]:
    """The request body in chunks, as it arrives, under this route's own limit.

    Flask 3.1 sets ``max_content_length`` per request: a declared Content-Length over it is
    refused before a byte is read. A streamed (chunked) body is cut at that cap rather than
    refused (:mod:`palermo.api.limits`), so the cap is one byte past the limit: the job store,
    which counts every byte, then sees a body over the limit and refuses it.
    """
    request.max_content_length = _jobs().max_bytes + 1
    stream = request.stream
    while chunk := stream.read(_CHUNK):
        yield chunk


def _file_chunks(path: Path) -> Iterator[bytes]:
    """A report file, streamed (a report of a large dataset is large too)."""
    with path.open("rb") as report_file:
        while chunk := report_file.read(_CHUNK):
            yield chunk


def _gzip(header: str | None) -> bool:
    """Whether the body is gzip (RFC 9110, 8.4.1); 415 for any other content coding."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    if codings in ([], ["identity"]):
        return False
    if codings in (["gzip"], ["x-gzip"]):
        return True
    raise UnsupportedMediaType(
        f"Content-Encoding {header!r} is not accepted: send the dataset as it is, or "
        "gzip-compressed with 'Content-Encoding: gzip'"
    )


def _report_type() -> str:
    name = request.args.get("format")
    if name is None:
        return negotiate(REPORT_TYPES)
    if name not in FORMATS:
        raise NotAcceptable(f"unknown report format {name!r}; use one of {', '.join(FORMATS)}")
    return FORMATS[name]


def _status(job: Job, code: int = 200) -> Response:
    jobs = _jobs()
    body = job.as_dict(jobs.ttl)
    body["links"] = {"self": url_for(".status", job_id=job.id)}
    if job.status == DONE:
        body["rules"] = jobs.rules(job)
        body["links"]["report"] = url_for(".report", job_id=job.id)
        body["links"].update(
            {name: url_for(".report", job_id=job.id, format=name) for name in FORMATS}
        )
    return Response(json.dumps(body), status=code, mimetype=JSON, headers=_NO_STORE)


REPORT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Palermo validation report</title>
<link rel="stylesheet" href="{{ url_for('web.static', filename='palermo.css') }}">
</head>
<body class="report-page">
<main id="main">
<h1>Validation report</h1>
{% set c = job.counts %}
<div class="verdict {{ 'ok' if job.conforms else 'bad' }}">
  <p>{{ 'The dataset meets the rules' if job.conforms
         else 'The dataset does not meet the rules yet' }}:
    {{ c.Violation }} violation{{ '' if c.Violation == 1 else 's' }},
    {{ c.Warning }} warning{{ '' if c.Warning == 1 else 's' }},
    {{ c.Info }} note{{ '' if c.Info == 1 else 's' }}.</p>
</div>
<p class="hint">Checked by the {{ job.engine }} engine, finished {{ job.finished }}; this report is
  kept until {{ job.expires }}. The whole report:
  <a href="{{ links.csv }}">CSV (one row per result)</a> ·
  <a href="{{ links.turtle }}">Turtle (sh:ValidationReport)</a> ·
  <a href="{{ links.json }}">JSON</a> · <a href="{{ links.text }}">text</a>.</p>
{% for rule in rules %}
<section class="rule-group sev-{{ rule.severity }}" data-shape="{{ rule.sourceShape }}">
  <h2>{{ rule.severity }}: {{ rule.message }}
    <span class="count">{{ rule.count }} result{{ '' if rule.count == 1 else 's' }}</span></h2>
  <p class="hint">Rule: <code>{{ rule.sourceShape }}</code>
    (<code>{{ rule.sourceConstraintComponent }}</code>)</p>
  <div class="table-wrap">
  <table>
    <thead><tr>
      <th scope="col">record</th><th scope="col">where</th><th scope="col">value</th>
    </tr></thead>
    <tbody>
    {% for r in rule.results %}
      <tr><td><code>{{ r.focusNode }}</code></td><td><code>{{ r.resultPath or '' }}</code></td>
        <td><code>{{ r.value if r.value is not none and r.value != r.focusNode
                     else '' }}</code></td></tr>
    {% endfor %}
    </tbody>
  </table>
  </div>
  {% if rule.more %}<p class="more">… and {{ rule.more }} more: see the CSV.</p>{% endif %}
</section>
{% else %}
<p>No result: nothing to fix.</p>
{% endfor %}
</main>
</body>
</html>
"""

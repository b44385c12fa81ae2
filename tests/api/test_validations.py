"""POST /validations, GET /validations/{id} and GET /validations/{id}/report: large datasets
validated as jobs. The jobs themselves are tested in tests/validation/test_jobs.py.

Each test polls a job's status with a bounded deadline, as a client would.
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph

from palermo.rdf.namespaces import RDF, SH
from palermo.validation.jobs import FIRST_RESULTS
from palermo.validation.validator import ENGINES, validate_files
from support.constants import READ, WRITE, base_config
from support.partner_data import AGE_SHAPE, PRIVATE
from support.partner_data import partner_dataset as dataset

TTL = "text/turtle"
PROBLEM = "application/problem+json"
#: Seconds a test waits for a job before it fails (a safety net, not a measurement).
DEADLINE = 120.0
AGES = FIRST_RESULTS + 3  # one rule broken 13 times: 10 results shown, 3 more


def send(client, body: bytes, *, headers: dict[str, str] | None = None, query: str = ""):
    return client.post(
        f"/validations{query}", data=body, headers={"Content-Type": TTL, **(headers or {})}
    )


def wait(client, location: str, headers: dict[str, str] | None = None) -> dict:
    """The status document once the job is done or failed."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        r = client.get(location, headers=headers or {})
        assert r.status_code == 200, r.text
        status = r.get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.02)
    raise AssertionError(f"the job at {location} did not finish in {DEADLINE} s")


def done(client, body: bytes = b"", headers: dict[str, str] | None = None, **options) -> dict:
    r = send(client, body or dataset(AGES), headers=headers, **options)
    assert r.status_code == 202, r.text
    return wait(client, r.headers["Location"], headers)


def problem(r, status: int, slug: str) -> dict:
    assert r.status_code == status, r.text
    assert r.mimetype == PROBLEM
    body = r.get_json()
    assert body["type"].endswith(f"/{slug}"), body
    return body


# ---------------------------------------------------------------------------------------------
# The happy path


def test_a_dataset_is_accepted_as_a_job_and_its_status_says_when_it_is_done(
    client, shapes, tmp_path
):
    r = send(client, dataset(AGES), headers=WRITE)
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    accepted = r.get_json()
    assert location == f"/validations/{accepted['id']}" == accepted["links"]["self"]
    assert accepted["status"] in ("queued", "running", "done")
    assert r.headers["Cache-Control"] == "no-store"

    status = wait(client, location, WRITE)
    assert status["status"] == "done", status
    path = tmp_path / "d.ttl"
    path.write_bytes(dataset(AGES))
    expected = validate_files([path], shapes=shapes, engine=status["engine"])
    assert status["counts"] == dict(expected.counts)
    assert status["conforms"] is False
    assert status["bytes"] == len(dataset(AGES))
    [ages] = [g for g in status["rules"] if g["sourceShape"] == AGE_SHAPE]
    assert (ages["count"], len(ages["results"]), ages["more"]) == (AGES, FIRST_RESULTS, 3)
    assert status["links"]["report"] == f"{location}/report"


def test_the_report_by_content_negotiation(client):
    status = done(client)
    report = status["links"]["report"]
    counts = status["counts"]
    results = sum(counts.values())

    as_json = client.get(report, headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json"
    assert as_json.get_json()["counts"] == counts
    assert len(as_json.get_json()["results"]) == results

    turtle = client.get(report, headers={"Accept": "text/turtle"})
    assert turtle.mimetype == TTL
    graph = Graph().parse(data=turtle.data, format="turtle")
    assert len(set(graph.subjects(RDF.type, SH.ValidationReport))) == 1
    assert len(set(graph.objects(None, SH.result))) == results

    table = client.get(report, headers={"Accept": "text/csv"})
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == results
    assert {"severity", "focusNode", "resultPath", "value", "message"} <= set(rows[0])

    page = client.get(report, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.mimetype == "text/html"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text and "style=" not in page.text
    assert page.text.count('class="rule-group') == len(status["rules"])
    assert "more: see the CSV" in page.text

    text = client.get(report, headers={"Accept": "text/plain"})
    assert text.text.startswith("Validation: does not conform (")

    assert client.get(f"{report}?format=csv").text == table.text
    assert client.get(report).mimetype == "application/json"  # no Accept: JSON
    problem(client.get(report, headers={"Accept": "image/png"}), 406, "not-acceptable")
    problem(client.get(f"{report}?format=pdf"), 406, "not-acceptable")


def test_a_gzip_upload_gives_the_same_report(client):
    plain = done(client)
    packed = done(client, gzip.compress(dataset(AGES)), headers={"Content-Encoding": "gzip"})
    assert packed["status"] == "done"
    assert packed["counts"] == plain["counts"]
    assert packed["bytes"] == plain["bytes"]


def test_other_rdf_syntaxes_are_read(client):
    nt = Graph().parse(data=dataset(AGES), format="turtle").serialize(format="nt").encode()
    status = done(client, nt, headers={"Content-Type": "application/n-triples"})
    assert status["status"] == "done" and status["mediaType"] == "application/n-triples"


def test_a_chunked_body_is_read_too(app):
    r = app.test_client().post(
        "/validations",
        input_stream=io.BytesIO(dataset(AGES)),
        headers={"Content-Type": TTL, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert r.status_code == 202, r.text
    assert wait(app.test_client(), r.headers["Location"])["bytes"] == len(dataset(AGES))


def _chunked(app, body: bytes):
    return app.test_client().post(
        "/validations",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": TTL, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_request_limit_streams_under_the_job_limit(make_app):
    """``MAX_BODY_BYTES`` bounds ordinary requests; a job upload has its own, larger limit,
    and a streamed body is counted against it, not cut at it."""
    body = dataset(AGES)
    app = make_app(MAX_BODY_BYTES=len(body) // 4, MAX_VALIDATION_BYTES=len(body))
    r = _chunked(app, body)
    assert r.status_code == 202, r.text
    assert wait(app.test_client(), r.headers["Location"])["bytes"] == len(body)
    over = make_app(MAX_BODY_BYTES=len(body) // 4, MAX_VALIDATION_BYTES=len(body) - 1)
    problem(_chunked(over, body), 413, "payload-too-large")


# ---------------------------------------------------------------------------------------------
# Bad input


def test_truncated_gzip_is_400(client):
    body = gzip.compress(dataset(AGES))
    r = send(client, body[: len(body) - 20], headers={"Content-Encoding": "gzip"})
    assert "truncated" in problem(r, 400, "invalid-input")["detail"]


def test_an_unknown_content_coding_is_415(client):
    problem(
        send(client, dataset(AGES), headers={"Content-Encoding": "br"}),
        415,
        "unsupported-media-type",
    )


def test_a_syntax_palermo_does_not_read_is_415(client):
    r = send(client, dataset(AGES), headers={"Content-Type": "application/pdf"})
    problem(r, 415, "unsupported-media-type")


def test_an_unknown_engine_is_400(client):
    problem(send(client, dataset(AGES), query="?engine=nope"), 400, "unknown-engine")


def test_an_empty_body_is_400(client):
    problem(send(client, b""), 400, "invalid-input")


def test_a_dataset_over_the_limit_is_413(make_app):
    client = make_app(MAX_VALIDATION_BYTES=1000).test_client()
    problem(send(client, dataset(AGES)), 413, "payload-too-large")
    bomb = gzip.compress(b"#" * 2_000_000 + b"\n")  # 2 MB in about 2 kB
    r = send(
        make_app(MAX_VALIDATION_BYTES=len(bomb) + 1).test_client(),
        bomb,
        headers={"Content-Encoding": "gzip"},
    )
    assert "decompressed" in problem(r, 413, "payload-too-large")["detail"]


def test_unreadable_rdf_fails_the_job_with_the_line_and_the_reason(client):
    body = b"@prefix pal: <https://w3id.org/palermo/ontology#> .\n<https://e.org/c> a pal:Case ;"
    r = send(client, body)
    assert r.status_code == 202  # read by the job, not while it is received
    status = wait(client, r.headers["Location"])
    assert status["status"] == "failed"
    assert status["error"]["line"] == 2
    assert status["error"]["type"].endswith("/invalid-input")
    assert "line 2" in status["error"]["detail"]
    report = client.get(r.headers["Location"] + "/report")
    assert problem(report, 409, "report-not-ready")["jobStatus"] == "failed"


# ---------------------------------------------------------------------------------------------
# Who sees a job


def test_an_unknown_job_is_404(client):
    r = client.get("/validations/AAAAAAAAAAAAAAAAAAAAAA")
    problem(r, 404, "not-found")
    problem(client.get("/validations/AAAAAAAAAAAAAAAAAAAAAA/report"), 404, "not-found")
    problem(client.get("/validations/..%2f..%2fetc"), 404, "not-found")


def test_another_callers_job_is_404_as_if_it_did_not_exist(client):
    r = send(client, dataset(1), headers=WRITE)
    location = r.headers["Location"]
    unknown = client.get("/validations/AAAAAAAAAAAAAAAAAAAAAA", headers=READ)
    for headers in (READ, {}):
        other = client.get(location, headers=headers)
        assert (other.status_code, other.get_json()) == (404, unknown.get_json())
        assert client.get(location + "/report", headers=headers).status_code == 404
    assert wait(client, location, WRITE)["status"] == "done"


def test_a_job_sent_without_a_token_is_seen_by_whoever_holds_its_id(client):
    r = send(client, dataset(1))
    assert r.status_code == 202
    assert len(r.get_json()["id"]) == 22  # 128 random bits
    assert wait(client, r.headers["Location"], READ)["status"] == "done"


def test_a_wrong_token_is_401(client):
    r = send(client, dataset(1), headers={"Authorization": "Bearer nope"})
    problem(r, 401, "unauthorized")


# ---------------------------------------------------------------------------------------------
# Limits


class Gate:
    """Validate only once the test says so: jobs stay running meanwhile."""

    def __init__(self, validate) -> None:
        self.validate = validate
        self.go = threading.Event()

    def __call__(self, path: Path, engine: str):
        if not self.go.wait(DEADLINE):
            raise RuntimeError("the test never let the job go on")
        return self.validate(path, engine)


def test_too_many_jobs_are_429_with_retry_after(make_app):
    app = make_app(MAX_VALIDATION_JOBS=2, MAX_VALIDATION_JOBS_PER_CALLER=1)
    jobs = app.extensions["palermo"].validations
    gate = Gate(jobs.validate)
    jobs.validate = gate
    client = app.test_client()
    first = send(client, dataset(1), headers=WRITE)
    assert first.status_code == 202
    again = send(client, dataset(1), headers=WRITE)
    problem(again, 429, "too-many-validation-jobs")
    assert int(again.headers["Retry-After"]) > 0
    assert send(client, dataset(1), headers=READ).status_code == 202
    full = send(client, dataset(1))
    assert "the service" in problem(full, 429, "too-many-validation-jobs")["detail"]
    gate.go.set()
    assert wait(client, first.headers["Location"], WRITE)["status"] == "done"
    assert send(client, dataset(1), headers=WRITE).status_code == 202  # room again


# ---------------------------------------------------------------------------------------------
# Restart, privacy


def test_jobs_and_reports_survive_a_restart(tmp_path, store_backend):
    from palermo.app import close_app, create_app

    config = base_config(**store_backend, MEMORY=False, DATA_DIR=str(tmp_path / "data"))
    app = create_app(config)
    try:
        status = done(app.test_client(), headers=WRITE)
    finally:
        close_app(app)
    again = create_app(config)
    try:
        client = again.test_client()
        after = client.get(status["links"]["self"], headers=WRITE).get_json()
        assert after["status"] == "done" and after["counts"] == status["counts"]
        assert client.get(status["links"]["csv"], headers=WRITE).status_code == 200
    finally:
        close_app(again)
    assert (tmp_path / "data" / "validations" / status["id"] / "job.json").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_no_format_repeats_a_private_value(client, engine):
    status = done(client, query=f"?engine={engine}")
    assert status["status"] == "done", status
    assert status["counts"]["Warning"] >= 5, "the privacy shapes saw them"
    report = status["links"]["report"]
    texts = {"status": client.get(status["links"]["self"]).text}
    for media in ("application/json", TTL, "text/csv", "text/html", "text/plain"):
        texts[media] = client.get(report, headers={"Accept": media}).text
    for media, text in texts.items():
        for private in PRIVATE:
            assert private not in text, (media, private)

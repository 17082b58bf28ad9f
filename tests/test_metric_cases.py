"""Every metric folder carries a card and golden cases; every case reproduces to its tolerance."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rexbench import registry

METRICS = sorted(registry.available())


def _cases():
    for name in METRICS:
        path = registry.info(name).cases_path
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            yield pytest.param(name, case, id=f"{name}-{i}-{case.get('name', '')}"[:80])


@pytest.mark.parametrize("name", METRICS)
def test_metric_folder_has_card_and_cases(name):
    info = registry.info(name)
    card = info.card_path.read_text(encoding="utf-8")
    assert card.strip(), f"{name}: empty metric card"
    for section in ("Limitations", "Citation", "Changelog"):
        assert section.lower() in card.lower(), f"{name}: card lacks a {section} section"
    doc = json.loads(info.cases_path.read_text(encoding="utf-8"))
    assert doc["metric"] == name and doc["cases"], f"{name}: cases.json must name the metric and hold cases"
    assert doc["version"] == registry.metric_class(name).version, f"{name}: cases.json is for another metric version"


@pytest.mark.parametrize("name,case", list(_cases()))
def test_golden_case(name, case):
    metric = registry.metric_class(name)(**case.get("params", {}))
    if "inputs" in case:   # a derived metric's case: its inputs' per-study values (no model needed)
        out = metric.combine_checked({k: np.asarray(v) for k, v in case["inputs"].items()})
    elif metric.readiness():
        pytest.skip(metric.readiness())
    else:
        out = metric.compute(references=case["references"], predictions=case["predictions"])
    tol = case.get("tolerance", 1e-9)
    assert out.score == pytest.approx(case["expected"]["score"], abs=tol)
    if "per_study" in case["expected"]:
        np.testing.assert_allclose(out.per_study, case["expected"]["per_study"], rtol=0, atol=tol)


@pytest.mark.parametrize("name", METRICS)
def test_registry_name_and_contract(name):
    cls = registry.metric_class(name)
    assert cls.name == name
    metric = cls()
    assert metric.spec == name                     # defaults give the bare name
    fields = metric.signature_fields()
    assert fields["v"] == str(cls.version)


def test_code_hash_covers_the_package_code(monkeypatch):
    """A change in rexbench's own code (an engine, a labeler) must invalidate cached scores too."""
    before = registry.code_hash("rouge_l")
    monkeypatch.setattr(registry, "_package_hash", lambda: "changed")
    assert registry.code_hash("rouge_l") != before

"""The search development set (evals/data/search_dev.jsonl) is well formed and points at real demo items."""

import json
from pathlib import Path

import pytest

from emulator.demo import load_demo

DATA = Path(__file__).resolve().parents[2] / "evals" / "data" / "search_dev.jsonl"
SERVICES = {"gmail", "calendar", "drive"}


@pytest.fixture(scope="module")
def rows():
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


@pytest.fixture(scope="module")
def demo_ids():
    d = load_demo()
    return {
        "gmail": {m["id"] for m in d.messages},
        "calendar": {e["id"] for e in d.events},
        "drive": {f["file"]["id"] for f in d.files},
    }


def test_enough_rows_and_unique_ids(rows):
    assert len(rows) >= 40
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))


def test_fields(rows):
    for r in rows:
        assert r["service"] in SERVICES, r["id"]
        assert isinstance(r["query"], str) and r["query"].strip(), r["id"]
        assert r["now"] == "2023-11-30T00:00:00Z", r["id"]
        assert isinstance(r["relevant"], dict) and r["relevant"], r["id"]
        for grade in r["relevant"].values():
            assert grade in (1, 2, 3), r["id"]


def test_relevant_ids_exist_in_demo(rows, demo_ids):
    for r in rows:
        missing = set(r["relevant"]) - demo_ids[r["service"]]
        assert not missing, (r["id"], missing)


def test_every_service_present(rows):
    assert {r["service"] for r in rows} == SERVICES

"""`rexbench models fetch` end to end against a stand-in Hugging Face hub served from 127.0.0.1, then
scoring with what it fetched; and the one-line message when weights are missing.

The stand-in answers the requests huggingface_hub 2.x makes (seen in its file_download / hf_api):
`HEAD` then `GET /{repo}/resolve/{rev}/{file}` with the headers hf_hub_download reads (X-Repo-Commit,
ETag, Content-Length), and `GET /api/models/{repo}[/revision/{rev}]` (model_info / snapshot_download).
huggingface_hub reads HF_ENDPOINT when it is imported, so the CLI runs in a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from .conftest import REPO, invoke, write_jsonl

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class StandInHub:
    """Model repositories {repo_id: {filename: bytes}} served in the hub's URL layout."""

    def __init__(self, repos: dict[str, dict[str, bytes]]):
        self.repos = repos
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # keep test output clean
                pass

            def do_HEAD(self):
                self._answer(body=False)

            def do_GET(self):
                self._answer(body=True)

            def _answer(self, body: bool):
                path = unquote(urlparse(self.path).path)
                hub.requests.append((self.command, path))
                parts = path.strip("/").split("/")
                if parts[:2] == ["api", "models"] and len(parts) >= 4:
                    repo = "/".join(parts[2:4])
                    if repo not in hub.repos:
                        return self._send(404, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"}, body)
                    info = {"id": repo, "modelId": repo, "sha": COMMIT, "private": False,
                            "siblings": [{"rfilename": f} for f in sorted(hub.repos[repo])]}
                    return self._send(200, json.dumps(info).encode(), {"Content-Type": "application/json"}, body)
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
                    data = hub.repos.get(repo, {}).get(filename)
                    if data is None:
                        return self._send(404, b"Entry not found", {"X-Error-Code": "EntryNotFound",
                                                                   "X-Repo-Commit": COMMIT}, body)
                    return self._send(200, data, {"X-Repo-Commit": COMMIT,
                                                  "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                                                  "Content-Type": "application/octet-stream"}, body)
                return self._send(404, b"not found", {}, body)

            def _send(self, code, data, headers, body):
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _env(tmp_path: Path, hub_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "REXBENCH_"))}
    env.update(REXBENCH_CACHE_DIR=str(tmp_path / "cache"), REXBENCH_MODELS_DIR=str(tmp_path / "models"),
               HF_HOME=str(tmp_path / "hf"), HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_XET="1",
               XDG_CACHE_HOME=str(tmp_path / "xdg"))
    if hub_url:
        env["HF_ENDPOINT"] = hub_url
    else:
        env["HF_HUB_OFFLINE"] = "1"
    return env


def _rexbench(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rexbench", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def chexbert_repo(tmp_path_factory):
    pytest.importorskip("f1chexbert")
    from .test_chexbert import write_tiny_chexbert

    ckpt, bert = write_tiny_chexbert(tmp_path_factory.mktemp("hubsrc"))
    return {
        "StanfordAIMI/RRG_scorers": {"chexbert.pth": (ckpt / "chexbert.pth").read_bytes(), "README.md": b"# scorers\n"},
        "google-bert/bert-base-uncased": {name: (bert / name).read_bytes() for name in ("config.json", "vocab.txt")}
        | {"tokenizer_config.json": b'{"do_lower_case": true}', "model.safetensors": b"not fetched: weightless"},
    }


def test_fetch_from_a_stand_in_hub_then_score(tmp_path, chexbert_repo):
    with StandInHub(chexbert_repo) as hub:
        env = _env(tmp_path, hub.url)
        fetched = _rexbench(["models", "fetch", "semb_score"], env)
    assert fetched.returncode == 0, fetched.stderr
    models = tmp_path / "models"
    pth = models / "chexbert" / "chexbert.pth"
    want = hashlib.sha256(chexbert_repo["StanfordAIMI/RRG_scorers"]["chexbert.pth"]).hexdigest()
    assert hashlib.sha256(pth.read_bytes()).hexdigest() == want
    assert f"chexbert: ready in {models / 'chexbert'}" in fetched.stdout and f"sha256: {want}" in fetched.stdout
    assert (models / "bert-base-uncased" / "vocab.txt").read_bytes() == \
        chexbert_repo["google-bert/bert-base-uncased"]["vocab.txt"]
    assert not (models / "bert-base-uncased" / "model.safetensors").exists()     # only what CheXbert reads
    assert not (models / "chexbert" / "README.md").exists()
    # The URLs huggingface_hub asked for: the resolve endpoint of each file, nothing else of the repos.
    resolved = sorted(p for m, p in hub.requests if "/resolve/" in p and m == "GET")
    assert resolved == ["/StanfordAIMI/RRG_scorers/resolve/main/chexbert.pth",
                        "/google-bert/bert-base-uncased/resolve/main/config.json",
                        "/google-bert/bert-base-uncased/resolve/main/tokenizer_config.json",
                        "/google-bert/bert-base-uncased/resolve/main/vocab.txt"]

    # Offline from here on: listing shows ready + sha256, scoring uses the fetched files.
    offline = _env(tmp_path, None)
    listed = json.loads(_rexbench(["models", "list", "--json"], offline).stdout)
    row = next(r for r in listed["models"] if r["name"] == "chexbert")
    assert row["ready"] and row["folder"] == str(models / "chexbert") and row["sha256"] == want
    assert row["looks_for"] == ["chexbert.pth"] and row["fetch"] == "rexbench models fetch chexbert"

    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "a", "findings": "Small left pleural effusion."},
                                                 {"id": "b", "findings": "The lungs are clear."}])
    preds = write_jsonl(tmp_path / "preds.jsonl", [{"id": "a", "findings": "Left pleural effusion."},
                                                  {"id": "b", "findings": "The lungs are clear."}])
    scored = _rexbench(["score", "--references", str(refs), "--predictions", str(preds), "--metrics", "semb_score",
                        "--tracks", "findings", "--bootstrap", "0", "--device", "cpu", "--json"], offline)
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)["tracks"]["findings"]["metrics"]["semb_score"]
    assert f"w.chexbert:{want[:16]}" in result["signature"]

    from rexbench import registry

    direct = registry.metric_class("semb_score")(checkpoint=str(models / "chexbert"),
                                                 bert=str(models / "bert-base-uncased"), device="cpu")
    expected = direct.compute(references=["Small left pleural effusion.", "The lungs are clear."],
                              predictions=["Left pleural effusion.", "The lungs are clear."])
    assert result["score"] == pytest.approx(float(np.mean(expected.per_study)), abs=1e-12)


def test_fetch_without_the_hub_is_one_clear_error(tmp_path, chexbert_repo):
    with StandInHub({}) as hub:                                    # a hub without the repository
        missing = _rexbench(["models", "fetch", "chexbert"], _env(tmp_path, hub.url))
    offline = _rexbench(["models", "fetch", "chexbert"], _env(tmp_path, None))   # HF_HUB_OFFLINE=1
    for out in (missing, offline):
        assert out.returncode == 1
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: could not download StanfordAIMI/RRG_scorers into ")
        assert lines[0].endswith("(a network connection to the Hugging Face hub is needed)")
    assert not (tmp_path / "models" / "chexbert" / "chexbert.pth").exists()


def test_missing_weights_score_exits_1_naming_files_and_fetch_command(tmp_path, tmp_cache, monkeypatch):
    monkeypatch.setenv("REXBENCH_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "a", "findings": "Small left pleural effusion."}])
    preds = write_jsonl(tmp_path / "preds.jsonl", [{"id": "a", "findings": "Left pleural effusion."}])
    result = invoke("score", "--references", refs, "--predictions", preds, "--metrics", "radgraph_combined")
    assert result.exit_code == 1
    assert len(result.error_lines) == 1 and result.stdout == ""
    line = result.error_lines[0]
    pytest.importorskip("radgraph")   # without the package the message asks for the extra instead
    assert "radgraph/config.json, radgraph/weights.th" in line and "rexbench models fetch radgraph" in line
    assert str(tmp_path / "models" / "radgraph") in line
    listed = invoke("models", "list", "--json", "--no-hash")
    row = next(r for r in json.loads(listed.stdout)["models"] if r["name"] == "radgraph")
    assert not row["ready"] and row["looks_for"] == ["radgraph/config.json", "radgraph/weights.th"]


def test_fetch_unpacks_a_radgraph_archive_then_scores(tmp_path):
    """The RadGraph archive (a .tar.gz in StanfordAIMI/RRG_scorers) is unpacked into <models>/radgraph/radgraph/,
    the layout the radgraph package reads, and scoring uses it offline."""
    pytest.importorskip("radgraph")
    import io
    import tarfile

    from .test_radgraph import archive_sha256, write_tiny_radgraph

    archive_root = write_tiny_radgraph(tmp_path / "src")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted((archive_root / "radgraph").rglob("*")):
            tar.add(path, arcname=str(path.relative_to(archive_root / "radgraph")), recursive=False)
    weights = (archive_root / "radgraph" / "weights.th").read_bytes()
    with StandInHub({"StanfordAIMI/RRG_scorers": {"radgraph.tar.gz": buf.getvalue()}}) as hub:
        fetched = _rexbench(["models", "fetch", "radgraph_combined"], _env(tmp_path, hub.url))
    assert fetched.returncode == 0, fetched.stderr
    unpacked = tmp_path / "models" / "radgraph" / "radgraph"
    assert (unpacked / "weights.th").read_bytes() == weights and (unpacked / "vocabulary").is_dir()
    assert not (tmp_path / "models" / "radgraph" / "radgraph.tar.gz").exists()     # the archive is not kept
    identity = archive_sha256(unpacked)          # weights.th, config.json and the label vocabulary
    assert f"sha256: {identity}" in fetched.stdout

    offline = _env(tmp_path, None)
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "a", "findings": "Small left pleural effusion."}])
    preds = write_jsonl(tmp_path / "preds.jsonl", [{"id": "a", "findings": "Small right pleural effusion."}])
    scored = _rexbench(["score", "--references", str(refs), "--predictions", str(preds), "--metrics",
                        "radgraph_combined", "--tracks", "findings", "--bootstrap", "0", "--device", "cpu", "--json"],
                       offline)
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)["tracks"]["findings"]["metrics"]["radgraph_combined"]
    assert f"w.radgraph:{identity[:16]}" in result["signature"]
    assert 0.0 <= result["score"] <= 1.0

"""Lexical suite (bleu2_rexrank + bleu + rouge_l + meteor): `rexbench score` vs the libraries called by hand.

Both sides run as child processes on the same synthetic pairs, one after the other, in one run, so the
ratio is measured under the same machine load:

* direct: the sequential loop a user would write — nltk sentence_bleu (ReXrank tokens, BLEU-2, epsilon
  0.1), sacrebleu corpus_bleu + sentence_bleu, rouge_score RougeScorer(rougeL), nltk word_tokenize +
  single_meteor_score — imports and WordNet load included;
* rexbench: `rexbench score --references R -p P -m bleu2_rexrank,bleu,rouge_l,meteor --bootstrap 0
  --no-cache --json` (one track, no bootstrap), startup included.

The pairs are built from the sentences of the public reports (../shared/data/public_reports/pairs.jsonl,
read in place, never copied): each reference draws sentences until it has ~40 words; each prediction
keeps about half of its reference's sentences and fills up with other sentences. Texts stay in a
temporary folder that is deleted afterwards. Peak memory is the highest summed RSS of the process tree
(sampled every 50 ms), so pool workers count.

    .venv/bin/python benchmarks/lexical.py [--n 10000] [--jobs N] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the checkout (or two levels up, for a worktree under wt/)
PAIRS = next((p for p in (ROOT.parent / "shared" / "data" / "public_reports" / "pairs.jsonl",
                          ROOT.parent.parent / "shared" / "data" / "public_reports" / "pairs.jsonl") if p.is_file()),
             ROOT.parent / "shared" / "data" / "public_reports" / "pairs.jsonl")
METRICS = "bleu2_rexrank,bleu,rouge_l,meteor"


def sentences(path: Path) -> list[str]:
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for key in ("reference", "prediction"):
            out.extend(s.strip() + "." for s in re.split(r"(?<=\.)\s+", rec.get(key) or "")
                       if len(s.split()) >= 2)
    return sorted(set(s.replace("..", ".") for s in out))


def build_pairs(n: int, seed: int = 0, words: int = 40) -> list[tuple[str, str]]:
    pool = sentences(PAIRS)
    rng = random.Random(seed)

    def fill(parts: list[str]) -> str:
        while sum(len(s.split()) for s in parts) < words:
            parts.append(rng.choice(pool))
        return " ".join(parts)

    pairs = []
    for _ in range(n):
        ref_sents = fill([]).split(". ")
        ref = ". ".join(ref_sents)
        kept = [s.rstrip(".") + "." for s in ref_sents if rng.random() < 0.5]
        rng.shuffle(kept)
        pairs.append((ref, fill(kept)))
    return pairs


def write_inputs(pairs: list[tuple[str, str]], folder: Path) -> tuple[Path, Path]:
    refs, preds = folder / "references.jsonl", folder / "predictions.jsonl"
    with refs.open("w", encoding="utf-8") as r, preds.open("w", encoding="utf-8") as p:
        for i, (ref, hyp) in enumerate(pairs):
            r.write(json.dumps({"id": f"s{i:06d}", "reference": ref}) + "\n")
            p.write(json.dumps({"id": f"s{i:06d}", "report": hyp}) + "\n")
    return refs, preds


# ---- the direct loop (runs in a child: `lexical.py --direct FOLDER`) -------------------------------

def direct(folder: Path) -> None:
    t0 = time.perf_counter()
    import warnings

    import nltk
    import sacrebleu
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
    from nltk.translate.meteor_score import single_meteor_score
    from rouge_score import rouge_scorer

    refs = [json.loads(x)["reference"] for x in (folder / "references.jsonl").read_text().splitlines()]
    hyps = [json.loads(x)["report"] for x in (folder / "predictions.jsonl").read_text().splitlines()]
    nltk_data = Path(os.environ["REXBENCH_CACHE_DIR"]) / "nltk_data"
    nltk.data.path.append(str(nltk_data))
    from rexbench.nltk_resources import write_punkt_tab  # the punkt_tab files nltk.word_tokenize reads

    write_punkt_tab(folder / "nltk_data")
    nltk.data.path.insert(0, str(folder / "nltk_data"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wordnet = WordNetCorpusReader(str(nltk_data / "corpora" / "wordnet"), None)
    times = {}

    t = time.perf_counter()
    tok = lambda s: [x for x in s.lower().replace(".", " .").split(" ") if x]
    smooth = SmoothingFunction(epsilon=0.1).method1
    bleu2 = [sentence_bleu([tok(r)], tok(h), weights=(0.5, 0.5), smoothing_function=smooth) for r, h in zip(refs, hyps)]
    times["bleu2_rexrank"] = time.perf_counter() - t

    t = time.perf_counter()
    bleu = sacrebleu.corpus_bleu(hyps, [refs]).score / 100
    bleu_sent = [sacrebleu.sentence_bleu(h, [r]).score / 100 for r, h in zip(refs, hyps)]
    times["bleu"] = time.perf_counter() - t

    t = time.perf_counter()
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    rouge = [scorer.score(r, h)["rougeL"].fmeasure for r, h in zip(refs, hyps)]
    times["rouge_l"] = time.perf_counter() - t

    t = time.perf_counter()
    meteor = [single_meteor_score(nltk.word_tokenize(r), nltk.word_tokenize(h), wordnet=wordnet)
              for r, h in zip(refs, hyps)]
    times["meteor"] = time.perf_counter() - t

    json.dump({"wall_in_process": time.perf_counter() - t0, "times": times,
               "scores": {"bleu2_rexrank": bleu2, "bleu": bleu, "bleu_per_study": bleu_sent, "rouge_l": rouge,
                          "meteor": meteor}}, sys.stdout)


# ---- measuring a child process -------------------------------------------------------------------

def _tree_rss(root: int) -> int:
    """Summed RSS (bytes) of `root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak summed RSS in bytes, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, peak[0], out


def _per_study_values(rows: list[dict], metric: str) -> list[float]:
    """Per-study values of one metric from per_study.jsonl rows (one row per study, scores by metric)."""
    out = []
    for row in rows:
        scores = row.get("scores", row)
        for track in (scores.values() if isinstance(scores, dict) and metric not in scores else [scores]):
            if isinstance(track, dict) and metric in track:
                out.append(float(track[metric]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=None, help="rexbench score --jobs (default: rexbench's own default)")
    ap.add_argument("--direct", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile", action="store_true", help="also run rexbench under cProfile (jobs=1) and print the top")
    args = ap.parse_args()
    if args.direct:
        return direct(args.direct)
    if not PAIRS.is_file():
        raise SystemExit(f"{PAIRS} is absent: the benchmark needs the public reports")

    import numpy as np

    cache = os.environ.get("REXBENCH_CACHE_DIR") or str(ROOT / ".cache-rexbench")
    env = dict(os.environ, REXBENCH_CACHE_DIR=cache)
    rexbench = str(Path(sys.executable).with_name("rexbench"))
    with tempfile.TemporaryDirectory(prefix="rexbench-lexbench-") as tmp:
        folder = Path(tmp)
        pairs = build_pairs(args.n)
        refs, preds = write_inputs(pairs, folder)
        words = sum(len(r.split()) + len(h.split()) for r, h in pairs) / (2 * len(pairs))
        cmd = [rexbench, "score", "--references", str(refs), "-p", str(preds), "-m", METRICS,
               "--bootstrap", "0", "--no-cache", "--json", "--out", str(folder / "out")]
        if args.jobs is not None:
            cmd += ["--jobs", str(args.jobs)]
        d_wall, d_peak, d_out = run_child([sys.executable, __file__, "--direct", str(folder)], env)
        r_wall, r_peak, r_out = run_child(cmd, env)
        if args.profile:
            prof = folder / "rexbench.prof"
            run_child([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "rexbench", *cmd[1:], "--jobs", "1"], env)
            import pstats

            pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(35)
        per_study = [json.loads(x) for x in (folder / "out" / "per_study.jsonl").read_text().splitlines()]
    ref = json.loads(d_out)
    got = json.loads(r_out)["tracks"]
    got = got[next(iter(got))]["metrics"]
    diffs = {}
    for name, key in (("bleu2_rexrank", "bleu2_rexrank"), ("rouge_l", "rouge_l"), ("meteor", "meteor"),
                      ("bleu", "bleu_per_study")):
        values = _per_study_values(per_study, name)
        diffs[f"{name} per study"] = float(np.max(np.abs(np.asarray(values) - np.asarray(ref["scores"][key]))))
    for name in ("bleu2_rexrank", "rouge_l", "meteor"):
        diffs[name + " mean"] = abs(got[name]["score"] - float(np.mean(ref["scores"][name])))
    diffs["bleu corpus"] = abs(got["bleu"]["score"] - ref["scores"]["bleu"])
    print(f"pairs: {args.n} (~{words:.0f} words per text), machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"direct library loop: {d_wall:7.2f} s wall, peak RSS {d_peak / 2**20:6.0f} MiB  "
          + ", ".join(f"{k} {v:.1f} s" for k, v in ref["times"].items()))
    print(f"rexbench score     : {r_wall:7.2f} s wall, peak RSS {r_peak / 2**20:6.0f} MiB  (jobs: {args.jobs or 'default'})")
    print(f"ratio rexbench / direct: {r_wall / d_wall:.3f}")
    print("max |difference|: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items() if v is not None))


if __name__ == "__main__":
    main()

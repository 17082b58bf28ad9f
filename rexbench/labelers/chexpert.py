"""A rule-based labeler for CheXpert's 14 observations (mention phrases + negation/uncertainty cues).

How a report is labelled
  1. Lower-case; drop header sections that are not findings (indication, history, comparison, ...);
     split into sentences (".", ";", ":", blank lines, numbered items; decimals like "1.5 cm" kept).
     Only the first MAX_REPORT_CHARS characters are read and a longer "sentence" is cut every
     MAX_SENTENCE_WORDS words, so the cost is linear in report length (hostile input included).
  2. Find mentions with one compiled pattern (phrases.py): each match names one or more observations
     (or an "other finding", or nothing: an unmention such as "pericardial effusion").
  3. Find cues with a second compiled pattern: negation, uncertainty, pseudo-negation ("no change in")
     and scope breaks ("but", "however", "although", ";", "with", ", likely ..."). A mention's clause
     runs from the previous break to the next one, so a negation covers a whole list ("no A, suspicious
     B or C"); a modifier inside the list is no break.
  4. Decide each mention, in CheXpert's order (a device's "tip" is always positive: only a device has one):
       a. uncertainty that outranks negation ("cannot exclude X", "X is not excluded", "no new X")
       b. negation: a negation cue earlier in the clause ("no", "without", "resolution of"), one right
          before it ("normal heart size"), or one shortly after it ("X has resolved", "X is normal")
       c. uncertainty: a cue earlier in the clause ("possible", "less likely", "may", "concerning for"),
          shortly after it ("X is suspected"), "X versus Y", "X or Y", or a hedged phrase. As in
          CheXpert, "likely X" and "consistent with X" are positive.
       d. size/contour attributes ("heart size", "mediastinal contours") need a qualifier: enlarged
          -> positive, stable/unchanged -> uncertain, none -> not a mention
       e. otherwise positive.
  5. Per report and observation: positive if any mention is positive, else uncertain if any is,
     else negative if any is, else blank. "chf"/"heart failure" (positive or uncertain) also make
     Cardiomegaly uncertain (CheXpert's rule). "No Finding" is positive when no pathology (all but
     Support Devices and No Finding) and no other finding is positive or uncertain; otherwise blank.

Labels are int8 codes in CheXpert's convention, 1 positive, 0 negative, -1 uncertain, with blank
(not mentioned; an empty cell in CheXpert's CSV) coded as 2 (BLANK).
"""

from __future__ import annotations

import bisect
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import phrases as P

POSITIVE = 1
NEGATIVE = 0
UNCERTAIN = -1
BLANK = 2

STATUS_NAMES = {POSITIVE: "positive", NEGATIVE: "negative", UNCERTAIN: "uncertain", BLANK: "blank"}
NAME_TO_CODE = {v: k for k, v in STATUS_NAMES.items()}

OBSERVATIONS = P.OBSERVATIONS
N_OBS = len(OBSERVATIONS)
_OBS_INDEX = {name: i for i, name in enumerate(OBSERVATIONS)}
_OTHER = N_OBS                     # index of the internal "other finding" slot
_NO_FINDING = _OBS_INDEX["No Finding"]
_SUPPORT = _OBS_INDEX["Support Devices"]
_CARDIOMEGALY = _OBS_INDEX["Cardiomegaly"]
# Slots whose positive/uncertain status rules out "No Finding".
_FINDING_SLOTS = [i for i in range(N_OBS + 1) if i not in (_NO_FINDING, _SUPPORT)]

POST_WINDOW = 6        # words after a mention in which a trailing cue ("... is not seen") counts
NEAR_WINDOW = 2        # words between a "near" cue ("normal") and the mention
ADJACENT_WINDOW = 3    # words between "X" and "versus"
ATTR_BEFORE = 4        # words before a size/contour phrase searched for a qualifier ("stable appearance of the")
ATTR_AFTER = 6         # words after it

# Bounds that keep the cost linear in report length and small on hostile input (real reports are a
# few thousand characters, real sentences under 50 words).
MAX_REPORT_CHARS = 20_000   # only this many leading characters of a report are labelled
MAX_SENTENCE_WORDS = 100    # a longer "sentence" (no punctuation) is cut into pieces of this many words
MAX_WORD_CHARS = 100        # and a longer "word" into pieces of this many characters

PARALLEL_MIN = 2000    # unique reports before label() starts worker processes
MIN_PER_PROCESS = 500  # and at least this many per worker


# ---- compiled patterns ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _MentionKind:
    slots: tuple[int, ...]          # observation indices (or _OTHER); empty for an unmention
    attribute: bool = False
    hedged: bool = False
    heart_failure: bool = False
    present: bool = False           # positive whatever the cues ("the tip is not well seen")


@dataclass(frozen=True)
class _CueKind:
    text: str
    pre: str | None
    post: str | None
    brk: bool = False
    pseudo: bool = False
    coord: bool = False             # a bare "or"


def _alternation(entries: list[tuple[str, object]]) -> tuple[re.Pattern[str], list]:
    """One pattern with one capturing group per alternative; `kinds[m.lastindex - 1]` is its entry.

    At a given position the first alternative (in `entries` order) that matches wins. Alternatives
    that start with a word character sit behind one word-start gate and are dispatched on their first
    character, so only a handful are tried at each word (several times faster than one flat list).
    """
    words, punct = [], []
    for pat, kind in entries:
        # Only alternatives that cannot start with a word character go ungated ("\\?", ", likely").
        (punct if pat[:1] == "," or pat[:2] in {"\\?", "\\."} else words).append((pat, kind))

    def alt(pat: str) -> str:
        return f"((?:{pat}))" if "(?=" in pat else f"((?:{pat})(?!\\w))"

    firsts = [_first_chars(p) for p, _ in words]
    letters = sorted(set().union(*(f for f in firsts if f is not None))) if words else []
    parts: list[str] = []
    kinds: list = []
    if words and letters:
        groups = []
        for c in letters:
            members = [(p, k) for (p, k), f in zip(words, firsts) if f is None or c in f]
            groups.append(f"(?={re.escape(c)})(?:" + "|".join(alt(p) for p, _ in members) + ")")
            kinds += [k for _, k in members]
        parts.append(r"(?<!\w)(?:" + "|".join(groups) + ")")
    elif words:
        parts.append(r"(?<!\w)(?:" + "|".join(alt(p) for p, _ in words) + ")")
        kinds += [k for _, k in words]
    if punct:
        parts.append("|".join(alt(p) for p, _ in punct))
        kinds += [k for _, k in punct]
    return re.compile("|".join(parts)), kinds


def _first_chars(pattern: str) -> set[str] | None:
    """The characters a match of `pattern` can start with (None: unknown / any)."""
    try:
        try:
            from re import _parser as sre_parse  # Python 3.11+
            from re import _constants as sre_constants
        except ImportError:  # pragma: no cover - Python 3.10
            import sre_constants  # type: ignore[no-redef]
            import sre_parse  # type: ignore[no-redef]
        first, nullable = _first_of(list(sre_parse.parse(pattern)), sre_constants)
    except Exception:  # pragma: no cover - internals moved: fall back to no dispatch
        return None
    return None if first is None or nullable else first


def _first_of(items: list, c) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return out | {chr(av)}, False
        if op is c.IN:
            chars = set()
            for o, a in av:
                if o is c.LITERAL:
                    chars.add(chr(a))
                elif o is c.RANGE:
                    chars.update(chr(x) for x in range(a[0], a[1] + 1))
                else:
                    return None, False
            return out | chars, False
        if op is c.SUBPATTERN:
            f, nullable = _first_of(list(av[-1]), c)
        elif op is c.BRANCH:
            f, nullable = set(), False
            for branch in av[1]:
                bf, bn = _first_of(list(branch), c)
                if bf is None:
                    return None, False
                f |= bf
                nullable = nullable or bn
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            f, nullable = _first_of(list(av[2]), c)
            nullable = nullable or av[0] == 0
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            return None, False
        if f is None:
            return None, False
        out |= f
        if not nullable:
            return out, False
    return out, True


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], list[_MentionKind], re.Pattern[str], list[_CueKind]]:
    entries: list[tuple[str, _MentionKind]] = []
    for pat in P.UNMENTIONS:
        entries.append((pat, _MentionKind(())))
    for pat, obs in P.MENTIONS:
        kind = _MentionKind(tuple(_OBS_INDEX[o] for o in obs),
                            hedged=pat in P.HEDGED, heart_failure=pat in P.HEART_FAILURE)
        entries.append((pat, kind))
    for pat, obs in P.TIPS:
        entries.append((pat, _MentionKind(tuple(_OBS_INDEX[o] for o in obs), present=True)))
    for pat, obs in P.ATTRIBUTES:
        entries.append((pat, _MentionKind(tuple(_OBS_INDEX[o] for o in obs), attribute=True)))
    for pat in P.OTHER_FINDINGS:
        entries.append((pat, _MentionKind((_OTHER,))))
    # At one position the first alternative that matches wins: unmentions first, then longer
    # phrases before shorter ones ("heart failure" before "heart", "pleural thickening" before
    # "thickening"). Python's sort is stable, so equal lengths keep table order.
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][1].slots) > 0, -len(entries[i][0])))
    entries = [entries[i] for i in order]
    mention_re, mention_kinds = _alternation(entries)

    cues: list[tuple[str, _CueKind]] = []
    for pat in P.PSEUDO:
        cues.append((pat, _CueKind(pat, None, None, pseudo=True)))
    for pat, pre, post in P.CUES:
        cues.append((pat, _CueKind(pat, pre, post, coord=(pat == "or"))))
    for pat in P.BREAKS:
        cues.append((pat, _CueKind(pat, None, None, brk=True)))
    cue_re, cue_kinds = _alternation(cues)
    return mention_re, mention_kinds, cue_re, cue_kinds


_WORD_RE = re.compile(r"\w+")
# Whitespace runs that hold a line break, or are longer than one character.
_SPACE_RUN_RE = re.compile(r"\s*\n\s*|[^\S\n]{2,}")
_HEADER_RE = re.compile(r"(?:^|(?<=[\n.]))\s*(?:" + P.SKIP_HEADERS + r")\s*:[^.\n]*")
_SPLIT_RE = re.compile(r"(?<!\d)\.(?!\d)|\.(?=\s|$)|[!;:]|\n\s*\n|\n(?=\s*(?:\d+[.)]|[-*\u2022]))")
_ENLARGED_RE = re.compile(P.ENLARGED)
_STABLE_RE = re.compile(P.STABLE)
_VS_RE = re.compile(r"\bvs\.")
_SPACED_HYPHEN_RE = re.compile(r"(?<=\w) - (?=\w)")   # tokenised reports: "air - space", "left - sided"
_BETWEEN_COMMA_RE = re.compile(r"\s*,\s*(?:[\w-]+\s+){0,3}\Z")
_OXFORD_OR_RE = re.compile(r",\s*or\s")


def sentences(text: str) -> list[str]:
    """Lower-cased sentences of a report, header sections (indication, history, ...) removed.

    Only the first MAX_REPORT_CHARS characters are read; a sentence longer than MAX_SENTENCE_WORDS
    words is cut into pieces of that many words (each piece is its own negation/uncertainty scope),
    so that the work per report is linear in its length.
    """
    t = text[:MAX_REPORT_CHARS].lower()
    if "\n" in t or "  " in t:
        t = _SPACE_RUN_RE.sub(_collapse_space, t)  # bounds the leading "\s*" of the header pattern
    if "vs." in t:
        t = _VS_RE.sub("vs", t)
    if " - " in t:
        t = _SPACED_HYPHEN_RE.sub("-", t)
    if ":" in t:
        t = _HEADER_RE.sub(" ", t)
    out = []
    for part in _SPLIT_RE.split(t):
        words = part.split()
        if not words or (len(words) == 1 and words[0].isdigit()):  # "1." of a numbered list is no sentence
            continue
        if len(words) <= MAX_SENTENCE_WORDS and all(len(w) <= MAX_WORD_CHARS for w in words):
            out.append(" ".join(words))
            continue
        words = [w[k:k + MAX_WORD_CHARS] for w in words for k in range(0, len(w), MAX_WORD_CHARS)]
        out += [" ".join(words[k:k + MAX_SENTENCE_WORDS]) for k in range(0, len(words), MAX_SENTENCE_WORDS)]
    return out


def _collapse_space(m: re.Match[str]) -> str:
    n = m.group(0).count("\n")
    return "\n\n" if n > 1 else "\n" if n else " "


# ---- one sentence -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """Why a mention got its status (returned by `explain`)."""
    observation: str        # one of OBSERVATIONS, or "Other finding"
    status: str             # positive / negative / uncertain
    sentence: int           # index of the sentence in `sentences(report)`; -1 for the whole report
    phrase: str             # the mention text
    cue: str | None         # the cue text that decided it (None: no cue, plain positive)
    rule: str               # which rule decided: "no cue", "negation before", "uncertainty after", ...

    def describe(self) -> str:
        how = f"cue {self.cue!r} ({self.rule})" if self.cue else self.rule
        if self.sentence < 0:
            return f"{self.observation} = {self.status}: {how}"
        return f"{self.observation} = {self.status}: {self.phrase!r} in sentence {self.sentence + 1}, {how}"


def _analyse_sentence(s: str, explain: bool):
    """[(slots, status, phrase, cue, rule, heart_failure)] for the mentions in sentence `s`."""
    mention_re, mention_kinds, cue_re, cue_kinds = _compiled()
    ments = []
    for m in mention_re.finditer(s):
        kind = mention_kinds[m.lastindex - 1]
        if kind.slots:
            ments.append((m.start(), m.end(), kind))
    if not ments:
        return []

    cues = []
    mi = 0
    for c in cue_re.finditer(s):
        a, b = c.start(), c.end()
        while mi < len(ments) and ments[mi][1] <= a:
            mi += 1
        if mi < len(ments) and ments[mi][0] < b and a < ments[mi][1]:
            continue  # inside a mention ("lines or tubes")
        kind = cue_kinds[c.lastindex - 1]
        if kind.pseudo:
            continue
        cues.append((a, b, kind))

    # Words outside mentions, for distances between a cue and a mention.
    starts = []
    for w in _WORD_RE.finditer(s):
        starts.append(w.start())
    # IU X-ray's anonymisation token hides a word: it neither counts as a word between a cue and a
    # mention nor names anything.
    in_mention = [1 if s.startswith("xxxx", a) else 0 for a in starts]
    for (a, b, _k) in ments:
        lo = bisect.bisect_left(starts, a)
        hi = bisect.bisect_left(starts, b)
        for j in range(lo, hi):
            in_mention[j] = 1
    prefix = [0]
    for flag in in_mention:
        prefix.append(prefix[-1] + (1 - flag))

    def gap(a: int, b: int) -> int:
        """Non-mention words starting in [a, b)."""
        if b <= a:
            return 0
        return prefix[bisect.bisect_left(starts, b)] - prefix[bisect.bisect_left(starts, a)]

    breaks = [(a, b) for (a, b, k) in cues if k.brk]
    break_starts = [a for a, _ in breaks]
    break_ends = [b for _, b in breaks]
    # Cues do not overlap, so their starts and their ends are both sorted: a span's cues are a slice.
    cue_starts = [a for a, _, _ in cues]
    cue_ends = [b for _, b, _ in cues]

    def cues_within(a: int, b: int) -> list:
        """The cues that lie inside [a, b)."""
        return cues[bisect.bisect_left(cue_starts, a):bisect.bisect_right(cue_ends, b)]

    def clause(a: int, b: int) -> tuple[int, int]:
        k = bisect.bisect_right(break_ends, a)
        lo = break_ends[k - 1] if k else 0
        k = bisect.bisect_left(break_starts, b)
        hi = break_starts[k] if k < len(breaks) else len(s)
        return lo, hi

    n = len(ments)
    clauses = [clause(a, b) for (a, b, _k) in ments]

    # "X or Y" coordination: both uncertain (unless negated). Oxford lists "X, Y, or Z" take all.
    coord_cue: list[str | None] = [None] * n
    for i in range(n - 1):
        a_end, b_start = ments[i][1], ments[i + 1][0]
        if clauses[i] != clauses[i + 1]:
            continue
        between = [k for (_ca, _cb, k) in cues_within(a_end, b_start)]
        if any(k.coord for k in between) and not any(not k.coord for k in between) \
                and gap(a_end, b_start) <= ADJACENT_WINDOW + 1:
            coord_cue[i] = coord_cue[i + 1] = "or"
            if _OXFORD_OR_RE.search(s, a_end, b_start):
                j = i
                while j > 0 and clauses[j - 1] == clauses[j] \
                        and _BETWEEN_COMMA_RE.fullmatch(s, ments[j - 1][1], ments[j][0]) \
                        and not cues_within(ments[j - 1][1], ments[j][0]):
                    coord_cue[j - 1] = "or"
                    j -= 1

    results = []
    for i, (a, b, kind) in enumerate(ments):
        lo, hi = clauses[i]
        pre = [(ca, cb, k) for (ca, cb, k) in cues_within(lo, a) if k.pre]
        post = [(ca, cb, k) for (ca, cb, k) in cues_within(b, hi) if k.post and gap(b, ca) <= POST_WINDOW]

        def first(role_pre: set[str], role_post: set[str]):
            # nearest cue before, then nearest after
            for (ca, cb, k) in reversed(pre):
                if k.pre in role_pre:
                    if k.pre == "neg_near" and gap(cb, a) > NEAR_WINDOW:
                        continue
                    return s[ca:cb], "before"
            for (ca, cb, k) in post:
                if k.post in role_post:
                    if k.post == "unc_adjacent" and (gap(b, ca) > ADJACENT_WINDOW or
                                                     (i + 1 < n and ments[i + 1][0] < ca)):
                        continue
                    if k.post == "unc_attr" and not kind.attribute:
                        continue
                    if k.post == "neg" and k.pre and i + 1 < n and ments[i + 1][0] >= cb and gap(cb, ments[i + 1][0]) <= NEAR_WINDOW:
                        continue  # "X and resolved Y": the cue modifies the mention after it
                    return s[ca:cb], "after"
            return None

        status = POSITIVE
        cue = None
        rule = "no cue"
        hit = None if kind.present else first({"unc_first"}, {"unc_first"})
        if kind.present:
            rule = "a device's tip: the device is present"
        elif hit:
            status, cue, rule = UNCERTAIN, hit[0], f"uncertainty {hit[1]} (outranks negation)"
        else:
            hit = first({"neg", "neg_near"}, {"neg"})
            if hit:
                status, cue, rule = NEGATIVE, hit[0], f"negation {hit[1]}"
            else:
                hit = first({"unc"}, {"unc", "unc_adjacent", "unc_attr"})
                if hit:
                    status, cue, rule = UNCERTAIN, hit[0], f"uncertainty {hit[1]}"
                elif coord_cue[i]:
                    status, cue, rule = UNCERTAIN, coord_cue[i], "coordination X or Y"
                elif kind.hedged:
                    status, rule = UNCERTAIN, "hedged phrase (at most uncertain)"
                elif kind.attribute:
                    w0 = bisect.bisect_left(starts, a)
                    w1 = bisect.bisect_left(starts, b)
                    ws = max(lo, starts[max(0, w0 - ATTR_BEFORE)] if starts else lo)
                    we_idx = w1 + ATTR_AFTER
                    we = min(hi, starts[we_idx] if we_idx < len(starts) else len(s))
                    window = s[ws:we]
                    q = _ENLARGED_RE.search(window)
                    if q and kind.hedged:
                        status, cue, rule = UNCERTAIN, q.group(0), "size qualifier of a hedged phrase (at most uncertain)"
                    elif q:
                        status, cue, rule = POSITIVE, q.group(0), "size qualifier"
                    else:
                        q = _STABLE_RE.search(window)
                        if q:
                            status, cue, rule = UNCERTAIN, q.group(0), "unchanged size/contour (CheXpert: uncertain)"
                        else:
                            continue  # a bare "heart", "mediastinum": no mention
        results.append((kind.slots, status, s[a:b] if explain else "", cue, rule, kind.heart_failure))
    return results


@lru_cache(maxsize=1 << 16)
def _analyse_cached(sentence: str) -> tuple:
    """Generated reports repeat sentences a lot ("The lungs are clear."): analyse each one once."""
    return tuple(_analyse_sentence(sentence, False))


# ---- one report -----------------------------------------------------------------------------------

_RANK = {POSITIVE: 3, UNCERTAIN: 2, NEGATIVE: 1}


def _label_one(text: str, explain: bool = False):
    best = [0] * (N_OBS + 1)            # rank per slot: 0 blank, 1 neg, 2 unc, 3 pos
    evidence: list[Evidence] = []
    for si, sent in enumerate(sentences(text)):
        found = _analyse_sentence(sent, True) if explain else _analyse_cached(sent)
        for slots, status, phrase, cue, rule, heart_failure in found:
            r = _RANK[status]
            for slot in slots:
                if r > best[slot]:
                    best[slot] = r
                if explain:
                    name = P.OTHER if slot == _OTHER else OBSERVATIONS[slot]
                    evidence.append(Evidence(name, STATUS_NAMES[status], si, phrase, cue, rule))
            if heart_failure and status != NEGATIVE:
                if best[_CARDIOMEGALY] < 2:
                    best[_CARDIOMEGALY] = 2
                if explain:
                    evidence.append(Evidence("Cardiomegaly", "uncertain", si, phrase, phrase,
                                             "heart failure implies uncertain cardiomegaly (CheXpert)"))
    row = np.full(N_OBS, BLANK, dtype=np.int8)
    for slot in range(N_OBS):
        r = best[slot]
        if r:
            row[slot] = POSITIVE if r == 3 else UNCERTAIN if r == 2 else NEGATIVE
    if not any(best[slot] >= 2 for slot in _FINDING_SLOTS):
        row[_NO_FINDING] = POSITIVE
        if explain:
            evidence.append(Evidence("No Finding", "positive", -1, "", None,
                                     "no pathology or other finding is positive or uncertain"))
    else:
        row[_NO_FINDING] = BLANK
    return row, evidence


def _label_chunk(texts: Sequence[str]) -> np.ndarray:
    out = np.empty((len(texts), N_OBS), dtype=np.int8)
    for i, t in enumerate(texts):
        out[i] = _label_one(t)[0]
    return out


# ---- public API ---------------------------------------------------------------------------------

def label(reports: Iterable[str], *, processes: int | None = None) -> np.ndarray:
    """Label reports: an (n, 14) int8 array in OBSERVATIONS order (1 / 0 / -1 / BLANK=2).

    Identical texts are labelled once. With at least PARALLEL_MIN distinct texts the work is split
    over `processes` worker processes (default: all cores; 1 = in this process).
    """
    reports = list(reports)
    for i, r in enumerate(reports):
        if not isinstance(r, str):
            raise TypeError(f"report {i} is {type(r).__name__}, expected str")
    index: dict[str, int] = {}
    inverse = np.empty(len(reports), dtype=np.int64)
    unique: list[str] = []
    for i, r in enumerate(reports):
        j = index.get(r)
        if j is None:
            j = index[r] = len(unique)
            unique.append(r)
        inverse[i] = j
    if not unique:
        return np.empty((0, N_OBS), dtype=np.int8)
    procs = processes if processes is not None else (os.cpu_count() or 1)
    procs = max(1, min(procs, math.ceil(len(unique) / MIN_PER_PROCESS)))
    table = None
    if procs > 1 and len(unique) >= PARALLEL_MIN and _may_fork():
        try:
            table = _parallel(unique, procs)
        except OSError:  # no processes to be had (sandbox, limits): label here instead
            table = None
    if table is None:
        table = _label_chunk(unique)
    return table[inverse]


def _may_fork() -> bool:
    """Daemonic processes (pool workers) may not start children: label serially there."""
    import multiprocessing as mp

    return not mp.current_process().daemon


def _parallel(texts: list[str], procs: int) -> np.ndarray:
    import multiprocessing as mp

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx = mp.get_context(method)
    n_chunks = procs * 4
    size = math.ceil(len(texts) / n_chunks)
    chunks = [texts[k:k + size] for k in range(0, len(texts), size)]
    with ctx.Pool(procs) as pool:
        parts = pool.map(_label_chunk, chunks)
    return np.concatenate(parts, axis=0)


def label_report(report: str) -> dict[str, str]:
    """One report: {observation: "positive" | "negative" | "uncertain" | "blank"} for all 14."""
    row, _ = _label_one(report)
    return {obs: STATUS_NAMES[int(v)] for obs, v in zip(OBSERVATIONS, row)}


def explain(report: str) -> tuple[dict[str, str], list[Evidence]]:
    """Labels of one report plus the evidence (phrase, cue, rule) behind every mention."""
    row, evidence = _label_one(report, explain=True)
    return {obs: STATUS_NAMES[int(v)] for obs, v in zip(OBSERVATIONS, row)}, evidence


def to_names(codes: np.ndarray) -> list[dict[str, str]]:
    """Rows of codes -> [{observation: status name}], blanks included."""
    return [{obs: STATUS_NAMES[int(v)] for obs, v in zip(OBSERVATIONS, row)} for row in np.atleast_2d(codes)]


def chexpert_cell(code: int) -> str:
    """CheXpert's labeled_reports.csv cell: "1.0", "0.0", "-1.0", or "" for blank."""
    code = int(code)
    if code == BLANK:
        return ""
    return f"{float(code):.1f}"

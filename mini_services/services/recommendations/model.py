"""The recommendation model: item–item collaborative filtering with numpy, trained at start-up.

    train(views)        a viewers × titles matrix of 0/1 (who watched what); each title's column scaled to
                        length 1; similarity = columnsᵀ · columns (cosine: titles watched by the same
                        people are alike)
    recommend(history)  score = similarity · (the viewer's history, the newest watch weighing most);
                        titles already watched are left out; the best ``limit`` scores win

The history is read from the database on every request, so a "watch this" on any replica changes that
viewer's row at once; the similarity matrix is what training learned from everyone's views at start-up.
Its cost is measured, not assumed: how long numpy took to load and how much memory it took, how long
training took, and the CPU time of every request.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path


def _rss_mb() -> float | None:
    """This process's resident memory now, in MB (Linux's /proc; None elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize() / 2**20


_before, _began = _rss_mb(), time.perf_counter()
import numpy as np  # imported here, to measure what loading it costs

NUMPY_LOAD_MS = (time.perf_counter() - _began) * 1000
_after = _rss_mb()
NUMPY_RSS_MB = None if _before is None or _after is None else _after - _before
RECENCY = 0.7  # each older watch counts 0.7 times the one after it


class ItemSimilarity:
    """Titles are alike when the same viewers watched them."""

    def __init__(self, title_ids: list[int]):
        self.title_ids = np.array(title_ids)
        self.column = {title: i for i, title in enumerate(title_ids)}
        self.similarity = np.zeros((len(title_ids), len(title_ids)), dtype=np.float32)
        self.popularity = np.zeros(len(title_ids), dtype=np.float32)
        self.trained_ms, self.views, self.viewers = 0.0, 0, 0
        self.cpu_ms: deque[float] = deque(maxlen=500)  # CPU time of the latest requests
        self.requests = 0

    def train(self, views: list[tuple[int, int]]) -> None:
        """Learn the similarity of every pair of titles from (viewer, title) pairs."""
        began = time.perf_counter()
        viewers = sorted({viewer for viewer, _ in views})
        row = {viewer: i for i, viewer in enumerate(viewers)}
        watched = np.zeros((len(viewers), len(self.title_ids)), dtype=np.float32)
        for viewer, title in views:
            if title in self.column:
                watched[row[viewer], self.column[title]] = 1.0
        lengths = np.linalg.norm(watched, axis=0)
        unit = watched / np.maximum(lengths, 1e-9)
        self.similarity = unit.T @ unit
        np.fill_diagonal(self.similarity, 0.0)  # a title is not a reason to watch itself
        self.popularity = watched.sum(axis=0)
        self.trained_ms = (time.perf_counter() - began) * 1000
        self.views, self.viewers = len(views), len(viewers)

    def recommend(self, history: list[int], limit: int) -> list[int]:
        """The ``limit`` best titles for a viewer whose watches are ``history``, newest first."""
        weights = np.zeros(len(self.title_ids), dtype=np.float32)
        for age, title in enumerate(history):
            if title in self.column:
                weights[self.column[title]] += RECENCY**age
        scores = self.similarity @ weights if weights.any() else self.popularity.copy()
        scores += 1e-6 * self.popularity  # ties go to the more watched title
        scores[weights > 0] = -np.inf  # already watched
        best = np.argsort(-scores, kind="stable")[:limit]
        return [int(t) for t in self.title_ids[best] if np.isfinite(scores[self.column[int(t)]])]

    def measured(self, cpu_ns: int) -> None:
        self.requests += 1
        self.cpu_ms.append(cpu_ns / 1e6)

    def cost(self) -> dict:
        """What this model costs, as measured in this process."""
        recent = np.array(self.cpu_ms) if self.cpu_ms else None
        return {"algorithm": "item–item cosine similarity (numpy)", "numpy_version": np.__version__,
                "titles": len(self.title_ids), "viewers": self.viewers, "views": self.views,
                "trained_ms": round(self.trained_ms, 3), "numpy_load_ms": round(NUMPY_LOAD_MS, 1),
                "numpy_rss_mb": None if NUMPY_RSS_MB is None else round(NUMPY_RSS_MB, 1),
                "model_bytes": int(self.similarity.nbytes + self.popularity.nbytes), "requests": self.requests,
                "cpu_ms_p50": None if recent is None else round(float(np.median(recent)), 3),
                "cpu_ms_mean": None if recent is None else round(float(recent.mean()), 3)}

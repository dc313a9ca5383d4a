"""The demo's participants: allocation, how far each got, module order and page times.

Steps of :func:`analysis.synthetic.make_demo_data`, run in order on one
numpy Generator (so the same seed gives the same data); each fills fields of
:class:`Sample`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.demo_model import ARM_MODULES, PROPOSALS

__all__ = ["Sample", "allocate", "progress", "module_orders", "page_times",
           "participants_frame"]


@dataclass
class Sample:
    """The demo sample: what the steps of :func:`analysis.synthetic.make_demo_data` have drawn
    so far, per participant (arm, how far each got, module order, seconds on each page).

    A generator of further demo data (another kind of answer) reads it from
    :attr:`analysis.synthetic.DemoData.sample`, so its rows belong to the same
    participants, arms and page times.
    """

    arms: list[str]
    arm_idx: np.ndarray
    block_size: int
    pid: np.ndarray
    status: np.ndarray = None
    #: how far each got: 0 none, 1 profile, 2 pre, 3 module, 4 post
    reached: np.ndarray = None
    speeder: np.ndarray = None
    n_mod: np.ndarray = None
    #: (n, 3) modules in the order shown ("" where fewer)
    order: np.ndarray = None
    single_mod: np.ndarray = None
    module_order: np.ndarray = None
    #: (n, 8) seconds on the pages in slots 0 consent, 1 about_you, 2 before,
    #: 3..5 read+module, 6 after, 7 thanks
    secs: np.ndarray = None
    page_time: np.ndarray = None
    start: np.ndarray = None

    @property
    def n(self) -> int:
        return self.arm_idx.size

    @property
    def arm(self) -> np.ndarray:
        return np.array(self.arms, dtype=object)[self.arm_idx]


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    table = np.array([f"{b:02x}" for b in range(256)])
    for _ in range(10):
        raw = rng.integers(0, 256, size=(n, 8))
        parts = table[raw]
        ids = parts[:, 0]
        for j in range(1, 8):
            ids = np.char.add(ids, parts[:, j])
        if np.unique(ids).size == n:
            return ids.astype(object)
    raise RuntimeError("could not draw unique participant ids")  # pragma: no cover


def _block_assignment(rng, arms: list[str], n_per_arm: int, block_size: int) -> np.ndarray:
    """Permuted-block allocation: each block holds every arm block_size/len(arms) times."""
    per_block = block_size // len(arms)
    n_blocks = int(np.ceil(n_per_arm / per_block))
    seq = np.tile(np.repeat(np.arange(len(arms)), per_block), n_blocks)
    keys = np.repeat(np.arange(n_blocks), per_block * len(arms)) + rng.random(seq.size)
    seq = seq[np.argsort(keys, kind="stable")]
    # trim so each arm has exactly n_per_arm: drop surplus from the last blocks
    keep = np.zeros(seq.size, dtype=bool)
    for a in range(len(arms)):
        keep[np.flatnonzero(seq == a)[:n_per_arm]] = True
    return seq[keep]


def allocate(rng, arms: list[str], n_per_arm: int) -> Sample:
    """Permuted-block arms and random participant ids."""
    block_size = 2 * len(arms)
    arm_idx = _block_assignment(rng, arms, n_per_arm, block_size)
    return Sample(arms, arm_idx, block_size, _hex_ids(rng, arm_idx.size))


def progress(d: Sample, rng, withdrawn_rate, screened_out_rate, dropout_rate,
              speeder_rate) -> None:
    """Status, how far each participant got, and who speeds."""
    n = d.n
    u = rng.random(n)
    cuts = np.cumsum([withdrawn_rate, screened_out_rate, dropout_rate])
    d.status = np.where(u < cuts[0], "withdrawn",
                        np.where(u < cuts[1], "screened_out",
                                 np.where(u < cuts[2], "started", "completed"))).astype(object)
    reached = np.full(n, 4)
    reached[d.status == "withdrawn"] = 0
    reached[d.status == "screened_out"] = 1
    drop = d.status == "started"
    reached[drop] = rng.integers(1, 4, size=int(drop.sum()))
    d.reached = reached
    d.speeder = (rng.random(n) < speeder_rate) & (d.status != "withdrawn")


def module_orders(d: Sample, rng) -> None:
    """Module order, counterbalanced by a random permutation for multi-module arms."""
    n = d.n
    d.n_mod = np.array([len(ARM_MODULES[a]) for a in d.arms])[d.arm_idx]
    perm_keys = rng.random((n, 3)).argsort(axis=1)
    mod_names = np.array(PROPOSALS, dtype=object)
    order = np.empty((n, 3), dtype=object)
    order[:] = ""
    multi = d.n_mod == 3
    order[multi] = mod_names[perm_keys[multi]]
    d.single_mod = np.array([ARM_MODULES[a][0] for a in d.arms], dtype=object)[d.arm_idx]
    order[~multi, 0] = d.single_mod[~multi]
    d.order = order
    d.module_order = np.where(multi, order[:, 0] + "|" + order[:, 1] + "|" + order[:, 2],
                              order[:, 0])


def page_times(d: Sample, rng) -> None:
    """Start times and seconds on each page (speeders: 1-4 s a page)."""
    n, reached, n_mod = d.n, d.reached, d.n_mod
    base = np.datetime64("2026-11-01T08:00:00", "us")
    d.start = base + (np.sort(rng.random(n)) * 14 * 86400 * 1e6).astype("timedelta64[us]")
    med = np.array([20, 45, 90, 200, 200, 200, 90, 5], dtype=float)
    secs = np.exp(np.log(med)[None, :] + 0.5 * rng.standard_normal((n, 8)))
    secs[d.speeder] = rng.uniform(1, 4, size=(int(d.speeder.sum()), 8))
    slot_reached = np.column_stack([
        reached >= 0, reached >= 1, reached >= 2,
        (reached >= 3) & (n_mod >= 1), (reached >= 3) & (n_mod >= 2), (reached >= 3) & (n_mod >= 3),
        reached >= 4, reached >= 4])
    d.secs = np.where(slot_reached, np.round(secs, 3), 0.0)
    done_at = d.start[:, None] + (np.cumsum(d.secs, axis=1) * 1e6).astype("timedelta64[us]")
    d.page_time = np.char.add(np.datetime_as_string(done_at, unit="us"), "+00:00").astype(object)


def participants_frame(d: Sample, rng) -> pd.DataFrame:
    """participants.csv's rows (languages are drawn here)."""
    n, reached, order, status, page_time = d.n, d.reached, d.order, d.status, d.page_time
    pid, arm, module_order, start = d.pid, d.arm, d.module_order, d.start
    step_names = np.array(["consent", "about_you", "before", "read", "after", "thanks"],
                          dtype=object)
    step = step_names[np.minimum(reached + 1, 5)]
    at_read = step == "read"
    step[at_read] = "read:" + order[at_read, 0]
    step[status == "withdrawn"] = "consent"
    completed_at = np.where(status == "completed", page_time[:, 7], None)

    participants = pd.DataFrame({
        "participant_id": pid,
        "arm": arm,
        "module_order": module_order,
        "language": rng.choice(np.array(["en", "de", "uk", "ru"], dtype=object), n,
                               p=[0.5, 0.25, 0.15, 0.1]),
        "status": status,
        "step": step,
        "started_at": np.char.add(np.datetime_as_string(start, unit="us"), "+00:00").astype(
            object),
        "completed_at": completed_at,
        "stratum": None,
        "allocation_seq": np.arange(n),
        "replaced": 0,
    })
    return participants

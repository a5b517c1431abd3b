"""The Experiment 2 selection methods, registered once.

Every list of method names the workflow uses is read from :data:`METHODS`: the sampler's
accepted ``--method`` values, the Snakemake wildcard constraint (``rules/common.smk``), the
table's row order and labels (``reporting/exp2.py``), which method the significance tables
treat as the treatment and which as controls (``planning/experiment2.py``), and the methods a
configuration may name (the schema's enum and default, tested equal to this registry).
Adding a method is one :class:`SelectionMethod` here plus its branch in
:func:`~workflow_scripts.sampling.nc_selection.nc_selection` and its tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["treatment", "control", "reference"]
#: Which rows a method draws from: Algorithm 1's nearest samples of interest, a random draw
#: of the same per-class counts from the samples of interest or from all rows, or every row.
Pool = Literal["nearest", "interest", "all", "every_row"]


@dataclass(frozen=True)
class SelectionMethod:
    """One way of choosing Experiment 2's training rows from a detector's embeddings."""

    name: str
    role: Role
    pool: Pool
    #: Row label in the Experiment 2 table.
    label: str
    #: In ``experiment2.methods`` of the schema default.
    default: bool = True


#: In table order after the reference; exactly one treatment.
METHODS: tuple[SelectionMethod, ...] = (
    SelectionMethod("full", "reference", "every_row", "full training set", default=False),
    SelectionMethod("nc", "treatment", "nearest", "NC sampling (Alg. 1)"),
    SelectionMethod("random_interest", "control", "interest", "random, samples of interest"),
    SelectionMethod("random_all", "control", "all", "random, all samples"),
)
BY_NAME: dict[str, SelectionMethod] = {m.name: m for m in METHODS}
#: Every method a selection can be made with (``sample_nc --method``; the path wildcard).
SELECTION_METHODS: tuple[str, ...] = tuple(m.name for m in METHODS)
#: The full-data reference: not a sampling method, but written as a selection like one.
FULL_METHOD: str = next(m.name for m in METHODS if m.role == "reference")
#: The method the significance tables compare with each control.
TREATMENT: str = next(m.name for m in METHODS if m.role == "treatment")
#: The methods ``experiment2.methods`` may list (all but the reference, which always runs).
CONFIG_METHODS: tuple[str, ...] = tuple(m.name for m in METHODS if m.role != "reference")
#: ``experiment2.methods`` of the schema default.
DEFAULT_METHODS: tuple[str, ...] = tuple(m.name for m in METHODS if m.default)


def selection_method(name: str) -> SelectionMethod:
    """The registered method ``name``, or an error that lists the registered ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r}; expected one of {SELECTION_METHODS}") from None

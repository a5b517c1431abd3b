"""Algorithm 2: cluster-wise nearest-to-centre sampling of the spoof class.

The spoof class mixes many generation algorithms, so one class mean is a poor
centre (paper, section 4). Instead:

1. k-means on the embeddings of the spoof samples of interest, for every k
   from ``k_min`` (2) to ``k_max`` (the number of attack algorithms); the k
   with the least cluster overlap is kept, measured by the silhouette score
   on a seeded subsample (highest wins, ties to the smaller k);
2. pairs of clusters that still overlap are found along the line joining
   their centres (:func:`overlap_table`) and joined into overlap groups;
3. in a cluster that overlaps nothing, Algorithm 1's rule is applied around
   the cluster's centre (nearest first, rate per cluster); in an overlap
   group a point is kept only if it passes the rule *individually* (around
   its own cluster's centre, within its cluster) *and collectively* (around
   the mean of the merged group, within the group). When every cluster
   overlaps, the group is all clusters, which is the paper's worst case.

k-means uses scikit-learn with a fixed ``n_init`` and a ``random_state``
derived from the seed; cluster ids are renumbered by first appearance so the
output does not depend on k-means' arbitrary label order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from workflow_scripts import SPOOF

from .duplicates import connected_components
from .nc_sampling import (
    check_embeddings,
    check_labels,
    check_mask,
    check_rate,
    keep_count,
    rank_nearest_first,
)
from .random_draws import derive_seed, rng_for

#: Default cap on the points used for each silhouette score (the full score
#: is quadratic: ~24 s for 20k x 128 on this machine).
SILHOUETTE_MAX_POINTS = 5000
#: Half-width of the bands on the centre-to-centre axis, as a fraction of the
#: centre distance, in which the overlap criterion counts points.
OVERLAP_BAND = 0.1
#: A pair overlaps when the density midway between the centres is at least
#: this fraction of the density at the emptier of the two centres.
MAX_VALLEY_RATIO = 0.5


def canonical_labels(raw: np.ndarray) -> np.ndarray:
    """Renumber cluster ids 0..k-1 in order of each cluster's first member."""
    raw = np.asarray(raw)
    _, first = np.unique(raw, return_index=True)
    order = np.argsort(first, kind="stable")
    mapping = np.empty(order.shape[0], dtype=np.int64)
    mapping[order] = np.arange(order.shape[0])
    _, inverse = np.unique(raw, return_inverse=True)
    return mapping[inverse]


def fit_kmeans(points: np.ndarray, k: int, *, seed: int, n_init: int = 4) -> np.ndarray:
    """Canonical k-means cluster labels of ``points`` (deterministic given the seed)."""
    model = KMeans(n_clusters=k, n_init=n_init, random_state=derive_seed(seed, "kmeans", k))
    return canonical_labels(model.fit_predict(points))


def cluster_means(points: np.ndarray, cluster_labels: np.ndarray) -> np.ndarray:
    """Mean of each cluster (Algorithm 2, step 4), rows in cluster-id order."""
    k = int(cluster_labels.max()) + 1
    return np.stack([points[cluster_labels == c].mean(axis=0) for c in range(k)])


@dataclass(frozen=True)
class KSelection:
    """Silhouette score of every k tried and the labels of the chosen k."""

    k: int
    silhouette: dict[int, float]
    cluster_labels: np.ndarray


def choose_k(
    points: np.ndarray,
    k_max: int,
    *,
    seed: int,
    k_min: int = 2,
    silhouette_max_points: int = SILHOUETTE_MAX_POINTS,
    n_init: int = 4,
) -> KSelection:
    """Cluster with every k in ``[k_min, k_max]`` and keep the k with the highest silhouette.

    The silhouette is computed on the same seeded subsample of at most
    ``silhouette_max_points`` points for every k, so scores are comparable.
    ``k_max`` is capped at ``n - 1`` (the silhouette needs it); with fewer
    than 3 points, or ``k_max == 1``, everything is one cluster.
    """
    x = check_embeddings(points, "points")
    n = x.shape[0]
    if k_max < 1:
        raise ValueError(f"k_max must be >= 1, got {k_max}")
    if k_max > 1 and not 2 <= k_min <= k_max:
        raise ValueError(f"k_min must be in [2, k_max={k_max}], got {k_min}")
    upper = min(k_max, n - 1)
    if k_max == 1 or upper < k_min:
        return KSelection(k=1, silhouette={}, cluster_labels=np.zeros(n, dtype=np.int64))
    if silhouette_max_points < 3:
        raise ValueError(f"silhouette_max_points must be >= 3, got {silhouette_max_points}")
    sub = np.arange(n)
    if n > silhouette_max_points:
        sub = np.sort(
            rng_for(seed, "silhouette").choice(n, size=silhouette_max_points, replace=False)
        )
    scores: dict[int, float] = {}
    labels_by_k: dict[int, np.ndarray] = {}
    for k in range(k_min, upper + 1):
        lab = fit_kmeans(x, k, seed=seed, n_init=n_init)
        labels_by_k[k] = lab
        sub_lab = lab[sub]
        n_sub_clusters = np.unique(sub_lab).shape[0]
        # The silhouette is undefined for one cluster or one point per cluster;
        # score such a split as the worst possible.
        ok = 2 <= n_sub_clusters <= sub.shape[0] - 1
        scores[k] = float(silhouette_score(x[sub], sub_lab)) if ok else -1.0
    best = max(scores, key=lambda k: (scores[k], -k))
    return KSelection(k=best, silhouette=scores, cluster_labels=labels_by_k[best])


def overlap_table(
    points: np.ndarray,
    cluster_labels: np.ndarray,
    *,
    band: float = OVERLAP_BAND,
    max_valley_ratio: float = MAX_VALLEY_RATIO,
) -> pd.DataFrame:
    """Overlap criterion for every pair of clusters.

    The two clusters' points are projected on the line through their
    centres, scaled so that centre a sits at 0 and centre b at 1. Counting
    points within ``band`` of 0.5 (``n_mid``), of 0 (cluster a's points,
    ``n_centre_a``) and of 1 (``n_centre_b``) compares the density midway
    with the density at each centre. Well separated clusters leave a valley
    at 0.5; a cluster split in two, or two clusters that overlap, do not.
    ``valley_ratio = n_mid / max(min(n_centre_a, n_centre_b), 1)``, and the
    pair overlaps when it is at least ``max_valley_ratio``. The projection
    makes the test independent of the embedding dimension (spread
    orthogonal to the centre line does not count), unlike raw distance
    ratios or silhouettes, whose noise floor grows with the dimension.
    """
    x = check_embeddings(points, "points")
    lab = np.asarray(cluster_labels, dtype=np.int64)
    if not 0 < band < 0.5:
        raise ValueError(f"band must be in (0, 0.5), got {band}")
    if max_valley_ratio <= 0:
        raise ValueError(f"max_valley_ratio must be > 0, got {max_valley_ratio}")
    k = int(lab.max()) + 1 if lab.shape[0] else 0
    centres = cluster_means(x, lab) if k else np.empty((0, x.shape[1]))
    rows = []
    for a in range(k):
        for b in range(a + 1, k):
            in_pair = (lab == a) | (lab == b)
            axis = centres[b] - centres[a]
            length2 = float(axis @ axis)
            if length2 > 0:
                t = (x[in_pair] - centres[a]) @ axis / length2
            else:  # coinciding centres: every point is midway
                t = np.full(int(in_pair.sum()), 0.5)
            pair_lab = lab[in_pair]
            n_mid = int(np.sum(np.abs(t - 0.5) < band))
            n_a = int(np.sum((pair_lab == a) & (np.abs(t) < band)))
            n_b = int(np.sum((pair_lab == b) & (np.abs(t - 1.0) < band)))
            ratio = n_mid / max(min(n_a, n_b), 1)
            rows.append(
                {
                    "cluster_a": a,
                    "cluster_b": b,
                    "centre_distance": float(np.sqrt(length2)),
                    "n_mid": n_mid,
                    "n_centre_a": n_a,
                    "n_centre_b": n_b,
                    "valley_ratio": float(ratio),
                    "overlapping": bool(ratio >= max_valley_ratio),
                }
            )
    columns = [
        "cluster_a",
        "cluster_b",
        "centre_distance",
        "n_mid",
        "n_centre_a",
        "n_centre_b",
        "valley_ratio",
        "overlapping",
    ]
    return pd.DataFrame(rows, columns=columns)


def overlap_groups(pairs: pd.DataFrame, k: int) -> list[tuple[int, ...]]:
    """Partition clusters 0..k-1 into groups joined by overlapping pairs (connected components).

    Every cluster is in exactly one group; a cluster that overlaps nothing is
    a group of one. Groups are sorted tuples, ordered by their first cluster.
    """
    overlapping = pairs.loc[pairs["overlapping"], ["cluster_a", "cluster_b"]]
    edges = [(int(a), int(b)) for a, b in overlapping.itertuples(index=False)]
    # a self-edge per cluster makes one that overlaps nothing a group of one
    return [tuple(g) for g in connected_components([*((c, c) for c in range(k)), *edges])]


def _kept_by_rule(
    points: np.ndarray,
    indices: np.ndarray,
    rows: np.ndarray,
    rate: float | None,
    distance_threshold: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances of ``rows`` to their mean, their nearest-first rank, and whether the rule keeps
    them."""
    sub = points[rows]
    d = np.sqrt(np.sum((sub - sub.mean(axis=0)) ** 2, axis=1))
    order = rank_nearest_first(d, indices[rows])
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0])
    n_keep = keep_count(d[order], rate=rate, distance_threshold=distance_threshold)
    return d, rank, rank < n_keep


@dataclass(frozen=True)
class ClusterSample:
    """Result of Algorithm 2.

    ``indices`` are the original indices of the spoof samples of interest
    (ascending) and ``cluster_labels`` their clusters; ``selected`` are the
    kept original indices (ascending). ``groups`` partitions the clusters;
    ``overlap_groups`` lists only the groups of two or more clusters.
    ``points`` is the per-sample table (see :meth:`table`).
    """

    selected: np.ndarray
    k: int
    silhouette: dict[int, float]
    indices: np.ndarray
    cluster_labels: np.ndarray
    centres: np.ndarray
    overlap: pd.DataFrame
    groups: list[tuple[int, ...]]
    points: pd.DataFrame = field(repr=False)

    @property
    def overlap_groups(self) -> list[tuple[int, ...]]:
        """Groups of mutually overlapping clusters (size >= 2)."""
        return [g for g in self.groups if len(g) > 1]

    @property
    def all_overlap(self) -> bool:
        """True when every cluster ended in one overlap group (the paper's worst case)."""
        return self.k > 1 and len(self.groups) == 1

    def table(self) -> pd.DataFrame:
        """Per sample: index, cluster, group, distance/rank to own centre and to group mean,
        selected."""
        return self.points.copy()

    def cluster_counts(self) -> pd.DataFrame:
        """Per cluster: group, size, kept by its own rule, finally selected."""
        t = self.points
        out = t.groupby("cluster", sort=True).agg(
            group=("group", "first"),
            n=("index", "size"),
            n_individual=("individual", "sum"),
            n_selected=("selected", "sum"),
        )
        return out.reset_index().astype(
            {
                "cluster": np.int64,
                "group": np.int64,
                "n": np.int64,
                "n_individual": np.int64,
                "n_selected": np.int64,
            }
        )


def sample_clusters(
    points: np.ndarray,
    cluster_labels: np.ndarray,
    groups: list[tuple[int, ...]],
    *,
    indices: np.ndarray | None = None,
    rate: float | None = None,
    distance_threshold: float | None = None,
) -> pd.DataFrame:
    """Apply the sampling rule per cluster and, in overlap groups, also per group.

    ``indices`` are the points' original indices (for tie-breaking and the
    output); default ``0..n-1``. Returns one row per point with columns
    ``index, cluster, group, distance, rank, individual, group_distance,
    group_rank, collective, selected``. For a group of one, the collective
    columns repeat the individual ones.
    """
    x = check_embeddings(points, "points")
    lab = np.asarray(cluster_labels, dtype=np.int64)
    idx = (
        np.arange(x.shape[0], dtype=np.int64)
        if indices is None
        else np.asarray(indices, dtype=np.int64)
    )
    n = x.shape[0]
    dist = np.zeros(n)
    rank = np.zeros(n, dtype=np.int64)
    individual = np.zeros(n, dtype=bool)
    gdist = np.zeros(n)
    grank = np.zeros(n, dtype=np.int64)
    collective = np.zeros(n, dtype=bool)
    group_of = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        for c in members:
            rows = np.flatnonzero(lab == c)
            if rows.shape[0] == 0:
                continue
            dist[rows], rank[rows], individual[rows] = _kept_by_rule(
                x, idx, rows, rate, distance_threshold
            )
        rows = np.flatnonzero(np.isin(lab, members))
        group_of[rows] = g
        if len(members) == 1:
            gdist[rows], grank[rows], collective[rows] = dist[rows], rank[rows], individual[rows]
        elif rows.shape[0]:
            gdist[rows], grank[rows], collective[rows] = _kept_by_rule(
                x, idx, rows, rate, distance_threshold
            )
    if np.any(group_of < 0):
        missing = sorted(set(lab[group_of < 0].tolist()))
        raise ValueError(f"cluster(s) {missing} are in no group")
    table = pd.DataFrame(
        {
            "index": idx,
            "cluster": lab,
            "group": group_of,
            "distance": dist,
            "rank": rank,
            "individual": individual,
            "group_distance": gdist,
            "group_rank": grank,
            "collective": collective,
            "selected": individual & collective,
        }
    )
    return table.sort_values("index", kind="stable").reset_index(drop=True)


def cluster_sample(
    embeddings: np.ndarray,
    labels: np.ndarray,
    interest: np.ndarray | None = None,
    *,
    k_max: int,
    seed: int,
    rate: float | None = None,
    distance_threshold: float | None = None,
    k_min: int = 2,
    spoof_label: int = SPOOF,
    silhouette_max_points: int = SILHOUETTE_MAX_POINTS,
    n_init: int = 4,
    band: float = OVERLAP_BAND,
    max_valley_ratio: float = MAX_VALLEY_RATIO,
) -> ClusterSample:
    """Algorithm 2 on the spoof samples of interest (``labels == spoof_label`` and ``interest``).

    Give exactly one of ``rate`` (fraction kept per cluster, nearest first,
    rounded half up) or ``distance_threshold`` (keep distance <= threshold).
    Set ``k_min == k_max`` to force a number of clusters.
    """
    if (rate is None) == (distance_threshold is None):
        raise ValueError("give exactly one of rate or distance_threshold")
    if rate is not None:
        check_rate(rate)
    x = check_embeddings(embeddings)
    y = check_labels(labels, x.shape[0])
    keep = check_mask(interest, x.shape[0])
    indices = np.flatnonzero(keep & (y == spoof_label)).astype(np.int64)
    if indices.shape[0] == 0:
        raise ValueError(f"class {spoof_label} has no samples of interest; nothing to cluster")
    pts = x[indices]
    choice = choose_k(
        pts,
        k_max,
        seed=seed,
        k_min=k_min,
        silhouette_max_points=silhouette_max_points,
        n_init=n_init,
    )
    lab = choice.cluster_labels
    k = int(lab.max()) + 1
    pairs = overlap_table(pts, lab, band=band, max_valley_ratio=max_valley_ratio)
    groups = overlap_groups(pairs, k)
    table = sample_clusters(
        pts, lab, groups, indices=indices, rate=rate, distance_threshold=distance_threshold
    )
    selected = table.loc[table["selected"], "index"].to_numpy(dtype=np.int64)
    return ClusterSample(
        selected=np.sort(selected),
        k=k,
        silhouette=choice.silhouette,
        indices=indices,
        cluster_labels=lab,
        centres=cluster_means(pts, lab),
        overlap=pairs,
        groups=groups,
        points=table,
    )


def cluster_agreement(cluster_labels: np.ndarray, attack_labels: np.ndarray) -> dict[str, float]:
    """How well clusters match the attack algorithms: adjusted Rand index and normalised mutual
    information."""
    c = np.asarray(cluster_labels)
    a = np.asarray(attack_labels)
    if c.shape != a.shape or c.ndim != 1:
        raise ValueError(
            f"cluster and attack labels must be 1-D of equal length, got {c.shape} and {a.shape}"
        )
    return {
        "ari": float(adjusted_rand_score(a, c)),
        "nmi": float(normalized_mutual_info_score(a, c)),
    }

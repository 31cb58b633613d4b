"""Array kernels of the inequality measures: student-weighted CV (population form), Theil.

These functions take NumPy arrays and never read files, plot, or format text.

The official 差异系数 (indicators.md §1)::

    P  = Σ Pᵢ,   X̄ = Σ Pᵢ·Xᵢ / P,   S = sqrt( Σ (Pᵢ/P)·(Xᵢ − X̄)² ),   CV = S / X̄

Examples
--------
Books per student of a published worked example (5 schools):

>>> import numpy as np
>>> from junheng_lib.analysis.measures import weighted_cv
>>> m, s, cv = weighted_cv(np.array([2.0, 4.0, 6.0]), np.array([1.0, 1.0, 2.0]))
>>> round(m, 4), round(s, 4), round(cv, 4)
(4.5, 1.6583, 0.3685)
"""
from __future__ import annotations

import numpy as np

__all__ = ["weighted_cv", "grouped_weighted_cv", "weighted_theil", "grouped_theil"]


def weighted_cv(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Student-weighted mean, population standard deviation and CV of one group.

    Rows with weight 0 do not count. Returns ``(nan, nan, nan)`` when the total weight is 0, and
    ``cv = nan`` when the mean is 0 (the CV is undefined; callers say so).
    """
    m, s, cv = grouped_weighted_cv(np.zeros(len(x), dtype=np.int64), np.asarray(x, float)[:, None],
                                   np.asarray(w, float), 1)
    return float(m[0, 0]), float(s[0, 0]), float(cv[0, 0])


def grouped_weighted_cv(codes: np.ndarray, x: np.ndarray, w: np.ndarray, ngroups: int):
    """Weighted mean, SD and CV for many groups and many indicators at once (bincount passes).

    Parameters
    ----------
    codes : int array (n,)
        Group number of each row, 0 … ngroups-1.
    x : float array (n, k)
        Values of k indicators; rows with weight 0 may hold NaN.
    w : float array (n,)
        Weights (students), ≥ 0.
    ngroups : int

    Returns
    -------
    mean, sd, cv : float arrays (ngroups, k)
        ``cv`` is NaN where the mean is 0 or the group has no weight.
    """
    x = np.asarray(x, float)
    w = np.asarray(w, float)
    live = w > 0
    xz = np.where(live[:, None], x, 0.0)
    wsum = np.bincount(codes, weights=w, minlength=ngroups)
    k = x.shape[1]
    mean = np.empty((ngroups, k))
    var = np.empty((ngroups, k))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(k):
            mean[:, j] = np.bincount(codes, weights=w * xz[:, j], minlength=ngroups) / wsum
            dev = xz[:, j] - mean[codes, j]
            var[:, j] = np.bincount(codes, weights=w * dev * dev, minlength=ngroups) / wsum
        sd = np.sqrt(var)
        cv = np.where(mean != 0, sd / np.where(mean != 0, mean, 1.0), np.nan)
    cv[wsum <= 0] = np.nan
    return mean, sd, cv


def weighted_theil(x: np.ndarray, w: np.ndarray, groups: np.ndarray | None = None) -> dict[str, float]:
    """Student-weighted Theil T index, optionally split into between- and within-group parts.

    ``T = Σ sᵢ · ln(Xᵢ / X̄)`` with ``sᵢ = PᵢXᵢ / ΣPX`` (each student counts once). With groups g:
    ``T = T_between + T_within``, ``T_between = Σ_g S_g ln(X̄_g / X̄)``, ``T_within = Σ_g S_g T_g``.
    Rows with zero weight are dropped; zero values contribute 0 (lim x ln x = 0).

    >>> import numpy as np
    >>> r = weighted_theil(np.array([0, 0, 0, 10, 10, 10.]), np.ones(6), np.array([0, 0, 0, 1, 1, 1]))
    >>> round(r["theil"], 6), round(r["between"], 6), round(r["within"], 6)
    (0.693147, 0.693147, 0.0)
    """
    x = np.asarray(x, float)
    groups = np.zeros(len(x), dtype=np.int64) if groups is None else np.unique(np.asarray(groups),
                                                                                return_inverse=True)[1]
    theil, between = grouped_theil(np.zeros(len(x), dtype=np.int64), groups, x[:, None], np.asarray(w, float), 1)
    t, b = float(theil[0, 0]), float(between[0, 0])
    return {"theil": t, "between": b, "within": t - b}


def grouped_theil(codes: np.ndarray, sub: np.ndarray, x: np.ndarray, w: np.ndarray, ngroups: int):
    """:func:`weighted_theil` for many groups and indicators at once (bincount passes, no loop over groups).

    Parameters
    ----------
    codes : int array (n,)
        Group of each row (0 … ngroups-1).
    sub : int array (n,)
        Sub-group of each row within its group (e.g. 城区/镇区/乡村 as 0/1/2).
    x : float array (n, k)
        Values; w : float array (n,) weights. Rows with weight 0 do not count.

    Returns
    -------
    theil, between : float arrays (ngroups, k)
        ``within = theil − between``. NaN where a group's total is 0.
    """
    codes = np.asarray(codes, dtype=np.int64)  # an empty pandas result is an object array
    sub = np.asarray(sub, dtype=np.int64)
    x = np.asarray(x, float)
    w = np.asarray(w, float)
    live = w > 0
    nsub = int(sub.max()) + 1 if len(sub) else 1
    gs = codes * nsub + sub
    wsum = np.bincount(codes, weights=w, minlength=ngroups)
    wsub = np.bincount(gs, weights=w, minlength=ngroups * nsub)
    theil = np.full((ngroups, x.shape[1]), np.nan)
    between = np.full((ngroups, x.shape[1]), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(x.shape[1]):  # indicators, not schools
            xv = np.where(live, x[:, j], 0.0)
            wx = w * xv
            total = np.bincount(codes, weights=wx, minlength=ngroups)
            mean = total / wsum
            s = wx / total[codes]
            t_i = np.where(xv > 0, s * np.log(xv / mean[codes]), 0.0)
            t = np.bincount(codes, weights=t_i, minlength=ngroups)
            tot_sub = np.bincount(gs, weights=wx, minlength=ngroups * nsub)
            share_sub = tot_sub / np.repeat(total, nsub)
            mean_sub = tot_sub / np.where(wsub > 0, wsub, 1.0)
            b_h = np.where(share_sub > 0, share_sub * np.log(mean_sub / np.repeat(mean, nsub)), 0.0)
            b = b_h.reshape(ngroups, nsub).sum(axis=1)
            ok = total > 0
            theil[ok, j] = t[ok]
            between[ok, j] = b[ok]
    return theil, between

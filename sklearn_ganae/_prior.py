"""The latent prior that :class:`~sklearn_ganae.VAETransformer` samples codes from.

A VAE is trained with a standard normal prior, but the codes of its training rows (the
aggregate posterior) do not fill that prior: with a KL weight below 1 they cover a
smaller, lumpier region, and codes drawn from the standard normal land in its holes,
where the decoder has seen no row. Fitting a density to the aggregate posterior after
training and sampling codes from it ("ex-post density estimation", Ghosh et al., ICLR
2020; TabSyn, Zhang et al., ICLR 2024, fits a diffusion model there) puts the codes
where the training rows' codes are. Here the density is a Gaussian mixture
(:class:`sklearn.mixture.GaussianMixture`), fitted on one posterior draw per training
row.

The draws are the model's own (from the ``RandomState`` of a sampling call), so a
seeded ``sample`` gives the same rows whatever the mixture's ``random_state`` is, and
rows come in a random order (``GaussianMixture.sample`` returns them grouped by
component).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from threadpoolctl import threadpool_limits

from sklearn_ganae._layout import standard_normal

#: the mixtures a model accepts as ``prior`` (cloned and fitted on the codes)
MIXTURE_CLASSES = (GaussianMixture, BayesianGaussianMixture)
#: ``prior="mixture"``: at most this many components ...
PRIOR_COMPONENTS = 30
#: ... and at least this many training rows per component (small tables get fewer)
ROWS_PER_COMPONENT = 50
#: a table (or a class of a conditional model) of fewer training rows keeps the
#: standard normal: a full covariance fitted on a handful of codes is degenerate, and
#: its draws decode to near-copies of those rows
MIN_PRIOR_ROWS = ROWS_PER_COMPONENT
#: the mixture (of each class) is fitted on at most this many training rows, drawn at
#: random: at least 667 rows per component of the default mixture
PRIOR_MAX_ROWS = 20_000
#: covariance regularisation of ``prior="mixture"``, in the codes' units (the
#: standard normal prior's variance is 1)
PRIOR_REG_COVAR = 1e-4


def default_mixture(n_rows: int, seed: int) -> GaussianMixture:
    """``prior="mixture"``: full covariances, ``PRIOR_COMPONENTS`` components or one per
    ``ROWS_PER_COMPONENT`` rows, whichever is fewer (at least one)."""
    n_components = max(1, min(PRIOR_COMPONENTS, n_rows // ROWS_PER_COMPONENT))
    return GaussianMixture(
        n_components=n_components,
        covariance_type="full",
        reg_covar=PRIOR_REG_COVAR,
        random_state=seed,
    )


def check_prior(prior) -> None:
    """Validate a mixture instance's parameters before any training (a bad one would
    otherwise fail only after the network is trained)."""
    if not isinstance(prior, str):
        clone(prior)._validate_params()


def prior_rows(rows: np.ndarray, rng) -> np.ndarray | None:
    """The training rows (positions) a prior is fitted on: at most ``PRIOR_MAX_ROWS``
    of ``rows`` drawn with ``rng``, sorted; None (the standard normal) for fewer than
    ``MIN_PRIOR_ROWS``."""
    if len(rows) < MIN_PRIOR_ROWS:
        return None
    if len(rows) > PRIOR_MAX_ROWS:
        rows = np.sort(rng.choice(rows, PRIOR_MAX_ROWS, replace=False))
    return rows


def fit_mixture(prior, codes: np.ndarray, seed: int):
    """The mixture of ``prior`` ("mixture" or an unfitted mixture, cloned) fitted on
    ``codes``; its ``n_components`` is cut to the number of rows where it exceeds it,
    and a ``random_state=None`` becomes ``seed``."""
    if isinstance(prior, str):
        mixture = default_mixture(len(codes), seed)
    else:
        mixture = clone(prior)
        if mixture.n_components > len(codes):
            mixture.set_params(n_components=len(codes))
        if mixture.random_state is None:
            mixture.set_params(random_state=seed)
    # one BLAS thread: the EM steps are small products, which threads slow down (2.4x
    # faster on one thread for 16,000 codes of 8 dimensions, 2 cores)
    with threadpool_limits(1):
        return mixture.fit(np.asarray(codes, dtype=np.float64))


def _cholesky(mixture) -> np.ndarray:
    """Per component, the factor ``L`` with ``L @ L.T`` its covariance, as a
    ``(n_components, d, d)`` array (a ``(n_components, d)`` array of standard
    deviations for diagonal and spherical covariances)."""
    cov = np.asarray(mixture.covariances_, dtype=np.float64)
    kind = mixture.covariance_type
    k, d = mixture.means_.shape
    if kind == "full":
        return np.linalg.cholesky(cov)
    if kind == "tied":
        return np.broadcast_to(np.linalg.cholesky(cov), (k, d, d))
    if kind == "diag":
        return np.sqrt(cov)
    return np.repeat(np.sqrt(cov)[:, None], d, axis=1)  # spherical


def sample_mixture(mixture, n: int, rng) -> np.ndarray:
    """``n`` codes (float32, in a random order) drawn from a fitted mixture with ``rng``."""
    weights = np.asarray(mixture.weights_, dtype=np.float64)
    means = np.asarray(mixture.means_, dtype=np.float32)
    factor = _cholesky(mixture).astype(np.float32)
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())
    noise = standard_normal(rng, (n, means.shape[1]))
    # rows grouped by component (a stable sort), each group one product; the codes go
    # back to the rows' own positions
    order = np.argsort(component, kind="stable")
    ends = np.cumsum(np.bincount(component, minlength=len(weights)))
    out = np.empty_like(noise)
    start = 0
    for j, end in enumerate(ends):
        if end > start:
            rows = order[start:end]
            block = noise[rows]
            block = block @ factor[j].T if factor.ndim == 3 else block * factor[j]
            block += means[j]
            out[rows] = block
        start = end
    return out

"""
===============================================
Synthetic versus real penguins: the marginals
===============================================

Fit a :class:`~sklearn_ganae.VAETransformer` on three quarters of the Palmer
penguins table (categorical, float and integer columns, with missing values), draw
as many synthetic rows, and compare them with the real ones using
:func:`~sklearn_ganae.metrics.quality_report`: per-column shapes, pair trends,
detection, privacy against the held-out quarter and ML efficacy for the species.
:meth:`~sklearn_ganae.metrics.QualityReport.plot` draws the marginals and the
pair-trend losses.
"""

# %%
# Fit and sample
# --------------
from sklearn.model_selection import train_test_split

from sklearn_ganae import VAETransformer
from sklearn_ganae.datasets import load_penguins
from sklearn_ganae.metrics import quality_report

df = load_penguins()
train, holdout = train_test_split(df, test_size=0.25, random_state=0)

vae = VAETransformer(random_state=0).fit(train)
synthetic = vae.sample(len(train))
print(
    f"{vae.n_iter_} epochs, {vae.n_active_components_} of {vae.n_components_} latent "
    "dimensions active"
)
synthetic.head()

# %%
# The synthetic table has the real table's schema: the same columns, dtypes
# (``category``, ``float64``, nullable ``Int64``) and category sets, and missing
# values drawn at the learned rates.
print("same dtypes:", synthetic.dtypes.equals(train.dtypes))
print("missing values, real / synthetic:")
print(
    train.isna()
    .mean()
    .round(3)
    .to_frame("real")
    .join(synthetic.isna().mean().round(3).to_frame("synthetic"))
)

# %%
# The quality report
# ------------------
# The summary gives each figure with its range and ideal value. Privacy compares the
# synthetic rows' distances to the training rows with those of the held-out rows;
# ML efficacy trains a classifier of ``species`` on synthetic rows and tests it on
# the held-out ones, next to one trained on the real rows.
report = quality_report(
    train, synthetic, holdout=holdout, target="species", random_state=0
)
print(report)

# %%
# The figure
# ----------
# Top: the real (filled) and synthetic (outlined or second bar) distribution of each
# column, with its shape score. Bottom: ``1 - score`` for every pair of columns (0 is
# perfect). ``report.plot()`` returns a :class:`matplotlib.figure.Figure` built
# without pyplot: save it with ``fig.savefig("report.png")``.
fig = report.plot(max_columns=6)

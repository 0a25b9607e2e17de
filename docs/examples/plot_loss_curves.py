"""
====================================
Loss curves and early stopping
====================================

Every estimator of the package records its training in ``history_`` (skorch's
per-epoch history) and in ``loss_curve_``; with ``early_stopping=True`` it holds out
``validation_fraction`` of the rows, records their loss too, stops when it has not
improved for ``n_iter_no_change`` epochs and restores the best weights.

For :class:`~sklearn_ganae.VAETransformer` the loss is the negative evidence lower
bound, and the history keeps its two terms apart: the reconstruction term (negative
log-likelihood, ``*_nll``) and the KL divergence of the codes from the prior
(``*_kl``), both in nats per row. Here a VAE with a KL warm-up over the first 30
epochs (``kl_warmup_epochs=30``) trains on the penguins table next to an
:class:`~sklearn_ganae.AutoencoderTransformer`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_ganae import AutoencoderTransformer, VAETransformer
from sklearn_ganae.datasets import load_penguins

df = load_penguins()

ae = AutoencoderTransformer(
    n_components=2,
    max_epochs=400,
    early_stopping=True,
    n_iter_no_change=20,
    random_state=0,
).fit(df)
vae = VAETransformer(
    max_epochs=400,
    early_stopping=True,
    n_iter_no_change=20,
    kl_warmup_epochs=30,
    random_state=0,
).fit(df)
print(f"autoencoder: {ae.n_iter_} epochs; VAE: {vae.n_iter_} epochs")

# %%
# ``history_[:, key]`` reads one column of the history, one value per epoch.
history = vae.history_
epochs = np.arange(1, vae.n_iter_ + 1)
best_ae = int(np.argmin(ae.validation_loss_curve_)) + 1
best_vae = int(np.argmin(history[:, "valid_loss"])) + 1

fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")

ax = axes[0]
ax.plot(np.arange(1, ae.n_iter_ + 1), ae.loss_curve_, label="training rows")
ax.plot(
    np.arange(1, ae.n_iter_ + 1), ae.validation_loss_curve_, label="validation rows"
)
ax.axvline(best_ae, color="grey", linestyle=":", label=f"best epoch ({best_ae})")
ax.set_title("AutoencoderTransformer: reconstruction loss")
ax.set_xlabel("epoch")
ax.legend()

ax = axes[1]
ax.plot(epochs, history[:, "train_loss"], label="training rows")
ax.plot(epochs, history[:, "valid_loss"], label="validation rows")
ax.axvline(30, color="black", linestyle="--", linewidth=0.8, label="end of KL warm-up")
ax.axvline(best_vae, color="grey", linestyle=":", label=f"best epoch ({best_vae})")
ax.set_title("VAETransformer: loss (NLL + weighted KL)")
ax.set_xlabel("epoch")
ax.set_ylabel("nats per row")
ax.legend()

ax = axes[2]
ax.plot(epochs, history[:, "train_nll"], color="C0", label="NLL, training")
ax.plot(
    epochs, history[:, "valid_nll"], color="C0", linestyle="--", label="NLL, validation"
)
ax.plot(epochs, history[:, "train_kl"], color="C3", label="KL, training")
ax.plot(
    epochs, history[:, "valid_kl"], color="C3", linestyle="--", label="KL, validation"
)
ax.set_title("VAETransformer: the two terms")
ax.set_xlabel("epoch")
ax.set_ylabel("nats per row")
ax.legend()
plt.show()

# %%
# During the warm-up the KL term is weighted less than ``beta``: the codes are free
# to move away from the prior (the KL term rises) while the reconstruction term falls
# fast; afterwards the model trades one against the other. The distance between the
# training and validation curves is the generalisation gap on this small table (344
# rows, 34 of them held out for validation). The restored model is the one
# of the best validation epoch, and ``n_active_components_`` tells how many latent
# dimensions it uses:
print(f"{vae.n_active_components_} of {vae.n_components_} latent dimensions active")

"""The package's main job: a short, honest tour on the shipped penguins table."""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ganae import AutoencoderTransformer, GANSampler, VAETransformer
from sklearn_ganae.datasets import load_penguins
from sklearn_ganae.metrics import quality_report


def _line(out, text=""):
    print(text, file=out)


def run_demo(*, random_state: int = 0, max_epochs: int = 300, out=None) -> dict:
    """Fit the package's estimators on the penguins table and print what they did.

    Returns the figures it printed, as a dict (used by the tests).
    """
    out = out or sys.stdout
    df = load_penguins()
    train, test = train_test_split(df, test_size=0.25, random_state=random_state)
    n_cat = sum(str(t) == "category" for t in df.dtypes)
    _line(out, "sklearn-ganae demo: Palmer penguins (shipped with the package)")
    _line(
        out,
        f"  {df.shape[0]} rows x {df.shape[1]} columns ({n_cat} categorical, "
        f"{df.shape[1] - n_cat} numeric), {int(df.isna().sum().sum())} missing values; "
        f"{len(train)} rows to fit, {len(test)} held out; torch threads: "
        f"{torch.get_num_threads()}",
    )
    figures = {}

    # 1. nonlinear dimensionality reduction, next to PCA on the same encoding
    _line(out)
    _line(out, "1. AutoencoderTransformer: 2-D nonlinear reduction vs PCA")
    ae = AutoencoderTransformer(n_components=2, max_epochs=max_epochs, random_state=random_state)
    start = time.perf_counter()
    ae.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    codes = ae.transform(test)
    transform_s = time.perf_counter() - start
    enc = ae.encoder_
    Z_train, Z_test = enc.transform(train), enc.transform(test)
    pca = PCA(n_components=2).fit(Z_train)
    pca_rec = pca.inverse_transform(pca.transform(Z_test))
    ae_rec = ae._apply_batches(ae.net_.get_module().decode, codes.astype(np.float32))
    ae_err = float(np.mean((ae_rec - Z_test) ** 2))
    pca_err = float(np.mean((pca_rec - Z_test) ** 2))
    decoded = ae.inverse_transform(codes)
    pca_decoded = enc.inverse_transform(pca_rec)
    _line(out, f"   fit {fit_s:.2f} s ({ae.n_iter_} epochs), transform {transform_s * 1e3:.1f} ms")
    _line(out, f"   codes: {codes.shape[0]} x {codes.shape[1]} ({codes.dtype})")
    _line(
        out,
        f"   held-out reconstruction MSE (encoded space): autoencoder {ae_err:.4f}, "
        f"PCA {pca_err:.4f}, ratio {ae_err / pca_err:.2f}",
    )
    _line(out, "   held-out categorical accuracy after reconstruction (autoencoder / PCA):")
    for col in [c for c in df.columns if str(df[c].dtype) == "category"]:
        truth = test[col].astype(object).fillna("<NA>").to_numpy()
        acc_ae = np.mean(decoded[col].astype(object).fillna("<NA>").to_numpy() == truth)
        acc_pca = np.mean(pca_decoded[col].astype(object).fillna("<NA>").to_numpy() == truth)
        _line(out, f"     {col:<10} {acc_ae:6.1%} / {acc_pca:6.1%}")
    same_schema = list(decoded.dtypes) == list(df.dtypes) and list(decoded.columns) == list(
        df.columns
    )
    _line(
        out, f"   inverse_transform gives back the table's schema (names, dtypes): {same_schema}"
    )
    figures.update(
        ae_reconstruction_mse=ae_err,
        pca_reconstruction_mse=pca_err,
        ae_fit_seconds=fit_s,
        schema_preserved=same_schema,
    )

    # 2. synthetic rows from a VAE, judged against the held-out real rows
    _line(out)
    _line(out, "2. VAETransformer: synthetic penguins")
    vae = VAETransformer(max_epochs=max_epochs, random_state=random_state)
    start = time.perf_counter()
    vae.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synthetic = vae.sample(len(train))
    sample_s = time.perf_counter() - start
    _line(
        out,
        f"   fit {fit_s:.2f} s ({vae.n_iter_} epochs, {vae.n_active_components_} of "
        f"{vae.n_components_} latent dimensions active), sampled {len(synthetic)} rows in "
        f"{sample_s * 1e3:.0f} ms",
    )
    same_schema = list(synthetic.dtypes) == list(df.dtypes)
    _line(out, f"   synthetic rows keep the table's schema (names, dtypes): {same_schema}")
    _line(
        out,
        f"   mean ELBO per row: training {vae.score(train):.2f} nats, held out "
        f"{vae.score(test):.2f} nats",
    )
    report = quality_report(
        train, synthetic, holdout=test, target="species", random_state=random_state
    )
    _line(out, "   quality report (synthetic vs the real training rows):")
    for text in str(report).splitlines():
        _line(out, "     " + text)
    figures.update(
        vae_quality=report.overall_score,
        vae_detection_auc=report.detection["auc"],
        vae_schema_preserved=same_schema,
    )

    # 3. synthetic rows from the GAN, conditioned on the species with training-by-sampling
    _line(out)
    _line(out, "3. GANSampler: synthetic penguins, and Gentoo penguins on request")
    gan = GANSampler(
        max_epochs=max_epochs, condition_columns=["species"], random_state=random_state
    )
    start = time.perf_counter()
    gan.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synthetic = gan.sample(len(train))
    sample_s = time.perf_counter() - start
    _line(
        out,
        f"   fit {fit_s:.2f} s ({gan.n_iter_} epochs, batch {gan.batch_size_}), sampled "
        f"{len(synthetic)} rows in {sample_s * 1e3:.0f} ms",
    )
    same_schema = list(synthetic.dtypes) == list(df.dtypes)
    _line(out, f"   synthetic rows keep the table's schema (names, dtypes): {same_schema}")
    gentoo = gan.sample(200, conditions={"species": "Gentoo"})
    adelie = gan.sample(200, conditions={"species": "Adelie"})
    real_mass = train.groupby("species", observed=True)["body_mass_g"].mean()
    _line(
        out,
        f"   sample(200, conditions={{'species': ...}}): mean body mass Gentoo "
        f"{gentoo['body_mass_g'].mean():.0f} g, Adelie {adelie['body_mass_g'].mean():.0f} g "
        f"(real Gentoo {real_mass['Gentoo']:.0f} g, Adelie {real_mass['Adelie']:.0f} g)",
    )
    report = quality_report(
        train, synthetic, holdout=test, target="species", random_state=random_state
    )
    _line(out, "   quality report (synthetic vs the real training rows):")
    for text in str(report).splitlines():
        _line(out, "     " + text)
    figures.update(
        gan_quality=report.overall_score,
        gan_detection_auc=report.detection["auc"],
        gan_schema_preserved=same_schema,
        gan_gentoo_body_mass=float(gentoo["body_mass_g"].mean()),
        gan_adelie_body_mass=float(adelie["body_mass_g"].mean()),
        gan_gentoo_rows_all_gentoo=bool((gentoo["species"] == "Gentoo").all()),
        gan_adelie_rows_all_adelie=bool((adelie["species"] == "Adelie").all()),
        gan_n_gentoo_rows=len(gentoo),
    )
    return figures

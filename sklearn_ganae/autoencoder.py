"""AutoencoderTransformer: nonlinear dimensionality reduction of mixed-type tables."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.decomposition import PCA
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from sklearn_ganae._base import BaseTabularNN, BaseTabularTransformer, atomic_fit
from sklearn_ganae.nn import ACTIVATIONS, Autoencoder, Decoder, Encoder


class AutoencoderTransformer(BaseTabularTransformer):
    """Nonlinear dimensionality reduction with an autoencoder, for mixed-type tables.

    The table is encoded by a :class:`~sklearn_ganae.TabularEncoder` (continuous
    columns normalised, categorical columns one-hot, missing values flagged), an
    encoder network compresses each row to ``n_components`` numbers and a decoder
    network with one output head per column block reconstructs the row. Trained on
    the reconstruction error (squared error for continuous values, cross-entropy for
    categories), it is a nonlinear PCA: :meth:`transform` gives the codes,
    :meth:`inverse_transform` decodes codes into rows of the user's own schema and
    :meth:`score_samples` ranks rows by how well they are reconstructed.

    Parameters
    ----------
    n_components : int, default=2
        Size of the latent code; at most the width of the encoded table.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden layers of the encoder network; the decoder mirrors them.
    activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "silu", "tanh"}, \
            default="relu"
        Activation of the hidden layers.
    dropout : float, default=0.1
        Dropout probability after each hidden layer (regularises the nonlinear
        paths; the default was chosen on the reduction benchmark).
    batch_norm : bool, default=False
        Batch normalisation in the hidden layers (needs at least 2 rows to fit).
    corruption : float, default=0.0
        Denoising autoencoder: the probability with which each encoded input entry is
        zeroed during training (the target stays the clean row).
    init : {"pca", "random"}, default="pca"
        ``"pca"``: the encoder and the decoder each get a linear path next to their
        nonlinear one; the linear paths start as PCA's projection and
        reconstruction and the nonlinear paths start switched off, so training
        begins at PCA's solution and learns nonlinear corrections to it (robust on
        small tables). ``"random"``: plain multilayer perceptrons with PyTorch's
        default initialisation.
    encoder : TabularEncoder or None, default=None
        How the table is encoded (which columns are categorical, how continuous
        columns are normalised, what to do with missing values and unknown
        categories). Cloned at fit; ``None`` means ``TabularEncoder()``.
    max_epochs : int, default=200
        Number of passes over the training rows (an upper bound with early
        stopping).
    batch_size : int, default=128
        Rows per optimisation step.
    learning_rate : float, default=1e-3
        Step size of the AdamW optimiser.
    weight_decay : float, default=0.0
        Decoupled weight decay of AdamW.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their
        reconstruction loss has not improved for ``n_iter_no_change`` epochs and
        restore the best weights.
    validation_fraction : float, default=0.1
        Share of the rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    device : {"cpu", "cuda", "auto"} or str, default="cpu"
        Where to train and infer. ``"auto"`` takes a CUDA device when one is
        available. A model trained on a GPU unpickles on a CPU-only machine.
    precision : {"float32", "bf16"}, default="float32"
        Arithmetic of the training (and validation) forward passes. ``"bf16"`` runs
        them under ``torch.autocast`` to bfloat16, which is faster on GPUs with
        bfloat16 tensor cores; the losses are computed in float32 and the weights,
        gradients and optimizer state stay float32 (bfloat16 needs no gradient
        scaling). :meth:`transform`, :meth:`inverse_transform` and
        :meth:`score_samples` compute in float32 either way.
    n_jobs : int or None, default=None
        Torch's intra-op threads during :meth:`fit`, :meth:`transform`,
        :meth:`inverse_transform` and :meth:`score_samples`. ``None`` follows the
        machine's load: the CPUs that other processes leave free, read again every
        epoch and batch, at least 1 and at most the caller's
        ``torch.get_num_threads()`` (on a busy machine a small network is several
        times slower on threads that compete with another process). An int fixes
        the count; -1 means every CPU, -2 all but one. Set only during the call: the
        caller's thread count is restored afterwards (see the user guide, "Threads").
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order and the encoder's subsampling.
        With an int, fitting twice on the CPU gives bit-identical transforms; the
        global torch random state is left untouched.
    verbose : int, default=0
        Progress on stderr. 0 is silent; 1 shows a progress bar of the training
        epochs (done out of ``max_epochs``, elapsed and remaining time, the latest
        ``train_loss`` and ``valid_loss``); 2 adds skorch's table of per-epoch
        losses. When stderr is not a terminal (a log file), the bar is a plain line
        every 10% of the epochs or every 10 seconds, without colour codes.
    warm_start : bool, default=False
        When fitted already, continue training the same network (and encoder) for
        ``max_epochs`` more epochs instead of starting anew.
    checkpoint_dir : str, os.PathLike or None, default=None
        A folder (it must exist) where the fit writes a checkpoint every
        ``checkpoint_interval`` epochs: the model with its networks, optimizer states
        and history, in the pickle-free format of :func:`~sklearn_ganae.save`. A fit
        that finds there the checkpoint of the same fit (same parameters, same table)
        resumes from it, so that running the same code again after a crash or a
        kill continues where it stopped; a checkpoint of another fit is refused. A
        checkpoint is written to a hidden temporary file and renamed, so it is always
        whole; a kill during a write leaves that temporary file beside it. A fit that
        ends normally removes its checkpoint and such leftovers. Only rank 0 of a
        data-parallel run writes.
    checkpoint_interval : int, default=10
        Epochs between checkpoints (with ``checkpoint_dir``).

    Attributes
    ----------
    encoder_ : TabularEncoder
        The fitted table encoding.
    net_ : skorch.NeuralNet
        The trained network (``net_.module_`` is an :class:`sklearn_ganae.nn.Autoencoder`).
    history_ : skorch.callbacks.History
        Per-epoch records: ``train_loss``, ``valid_loss`` (with early stopping), ``dur``.
    loss_curve_ : list of float
        Training loss per epoch.
    validation_loss_curve_ : list of float
        Validation loss per epoch; only with ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run (over all warm-started fits).
    device_ : str
        The device the model was trained on.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn.decomposition.KernelPCA : Kernel PCA, with an approximate inverse.
    VAETransformer : A variational autoencoder that also samples new rows.

    Notes
    -----
    The reconstruction error of a row is averaged over the blocks of the encoded
    table (one value per continuous column, per categorical column and per missing
    indicator); for an all-numeric table it is the mean squared error per feature in
    the encoder's normalised space, the quantity PCA minimises. :meth:`score` and
    :meth:`score_samples` are its negatives, so larger is better and
    :class:`~sklearn.model_selection.GridSearchCV` can tune the model without labels
    (compare scores only between models that share the same encoder settings).

    References
    ----------
    .. [1] G. E. Hinton and R. R. Salakhutdinov, "Reducing the Dimensionality of Data
       with Neural Networks", Science 313, 2006.
    .. [2] P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and
       Composing Robust Features with Denoising Autoencoders", ICML 2008.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_ganae import AutoencoderTransformer
    >>> X, _ = load_wine(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=2, max_epochs=5, random_state=0)
    >>> codes = ae.fit_transform(X)
    >>> codes.shape
    (178, 2)
    >>> ae.inverse_transform(codes).shape
    (178, 13)
    >>> ae.get_feature_names_out().tolist()
    ['autoencodertransformer0', 'autoencodertransformer1']
    """

    _parameter_constraints: dict = {
        **BaseTabularNN._parameter_constraints,
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "corruption": [Interval(numbers.Real, 0, 1, closed="left")],
        "init": [StrOptions({"pca", "random"})],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        dropout=0.1,
        batch_norm=False,
        corruption=0.0,
        init="pca",
        encoder=None,
        max_epochs=200,
        batch_size=128,
        learning_rate=1e-3,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="cpu",
        precision="float32",
        n_jobs=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        checkpoint_dir=None,
        checkpoint_interval=10,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.corruption = corruption
        self.init = init
        self.encoder = encoder
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.precision = precision
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_interval = checkpoint_interval

    # --- the model ---------------------------------------------------------------------
    def _build_module(self, state):
        layout = state.layout
        sizes = self._hidden_sizes()
        skip = self.init == "pca"
        common = dict(
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            linear_skip=skip,
        )
        encoder = Encoder(layout.n_features, self.n_components, sizes, **common)
        decoder = Decoder(layout, self.n_components, sizes[::-1], **common)
        module = Autoencoder(encoder, decoder, corruption=self.corruption)
        if skip:
            module.init_from_pca(*_pca(state.Z[state.train_rows], self.n_components))
        return module

    # --- estimator API -----------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @atomic_fit
    def fit(self, X, y=None):
        """Fit the encoding and train the autoencoder on ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features), path or iterable
            Training rows: numeric arrays, or DataFrames with numeric, boolean and
            categorical columns, missing values allowed. Not modified. Also the path
            (str or ``os.PathLike``) of a Parquet file, a folder of Parquet files or a
            CSV file, or DataFrame chunks (a list, an iterator or a function returning
            one): a streamed fit that reads the table in bounded batches (see the user
            guide, "Tables larger than memory").
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : AutoencoderTransformer
            The fitted transformer.

        Notes
        -----
        A fit that fails (an exception, divergence, Ctrl-C) leaves the estimator as it
        was before the call: fitted as before, or unfitted.
        """
        return self._fit(X)

    def transform(self, X):
        """Encode rows into latent codes.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features_in_)
            Rows with the columns seen during fit.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            Latent codes; float32 for float32 array input, float64 otherwise.
        """
        Z = self._encode_table(X)
        codes = self._apply_batches(self._module().encode, Z)
        return codes.astype(_float_dtype(X), copy=False)

    def inverse_transform(self, X):
        """Decode latent codes into rows of the fitted table's schema.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : DataFrame or ndarray of shape (n_samples, n_features_in_)
            Decoded rows: a DataFrame with the fitted columns and dtypes when a
            DataFrame was fitted, else an array. Categories are the most likely ones.
        """
        check_is_fitted(self)
        codes = check_array(X, dtype=np.float32, ensure_all_finite=True)
        if codes.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects codes with n_components={self.n_components} "
                f"columns, got {codes.shape[1]}; pass the output of transform."
            )
        decoded = self._apply_batches(self._module().decode, codes)
        return self.encoder_.inverse_transform(decoded)

    def score_samples(self, X):
        """Negative reconstruction error of each row (higher: better reconstructed).

        Low scores flag rows that do not look like the training data, so the scores
        can rank anomalies.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features_in_)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        Z = self._encode_table(X)
        loss = self.net_.criterion_
        module = self._module()
        per_row = self._apply_batches(lambda z: loss(module(z), z, reduction="none"), Z)
        return -per_row.astype(np.float64)

    def score(self, X, y=None):
        """Negative mean reconstruction error of ``X`` (higher is better).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features_in_)
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))


def _pca(Z, n_components):
    """PCA's components (zero rows past the data's rank) and mean of ``Z``."""
    n = min(n_components, *Z.shape)
    components = np.zeros((n_components, Z.shape[1]), dtype=np.float32)
    Z64 = Z.astype(np.float64)
    mean = Z64.mean(axis=0)
    if n > 0 and Z.shape[0] > 1:
        components[:n] = PCA(n_components=n, **_pca_solver(Z.shape, n)).fit(Z64).components_
    return components, mean.astype(np.float32)


def _pca_solver(shape, n_components) -> dict:
    """The PCA solver for the autoencoder's start on an ``(n, d)`` encoding.

    The exact SVD costs O(n d^2) with a large constant (30,000 x 500: about 10 s on
    2 cores), so a wide encoding (many one-hot columns) takes the covariance
    eigendecomposition (exact, one d x d product) while n >= d and d <= 2,000, and
    the randomized solver beyond. Narrow tables keep the full SVD.
    """
    n, d = shape
    if d <= 200:
        return {"svd_solver": "full"}
    if n >= d and d <= 2_000:
        return {"svd_solver": "covariance_eigh"}
    if n_components < 0.8 * min(shape):
        return {"svd_solver": "randomized", "random_state": 0}
    return {"svd_solver": "full"}


def _float_dtype(X):
    """float32 for float32 arrays, float64 for everything else."""
    dtype = getattr(X, "dtype", None)
    return np.float32 if dtype == np.float32 else np.float64

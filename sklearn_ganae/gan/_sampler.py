"""GANSampler: a tabular GAN whose autoencoder can pretrain and steady it.

The estimator; its networks are in :mod:`sklearn_ganae.gan._modules`, its skorch net
and training data in :mod:`sklearn_ganae.gan._training`, its detection-based early
stopping in :mod:`sklearn_ganae.gan._early_stopping`.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import PassthroughScoring

from sklearn_ganae._base import (
    BaseTabularNN,
    atomic_fit,
    check_layer_sizes,
    silent,
    torch_generator,
)
from sklearn_ganae._generator import GeneratorMixin
from sklearn_ganae._layout import CATEGORICAL, MISSING, draw_categories
from sklearn_ganae._resampling import SAMPLING_STRATEGY_CONSTRAINT
from sklearn_ganae._training import TableDataset, print_to_stderr
from sklearn_ganae.gan._early_stopping import DetectionEarlyStopping, check_detection_rows
from sklearn_ganae.gan._modules import (
    Discriminator,
    Generator,
    make_decoder,
    make_encoder,
    relaxed_activate,
)
from sklearn_ganae.gan._training import (
    ConditionSpec,
    GANBatchIterator,
    GANData,
    GANNet,
    log_frequency_weights,
)
from sklearn_ganae.nn import Autoencoder, ReconstructionLoss
from sklearn_ganae.nn._modules import inference_copy

_COLLAPSE_ROWS = 2_000


class GANSampler(GeneratorMixin, BaseTabularNN):
    """Generative adversarial network for mixed-type tables.

    ``GANSampler().fit(df).sample(n)`` returns ``n`` new rows in ``df``'s schema
    (columns, dtypes, categories, missing values). The table is encoded by a
    :class:`~sklearn_ganae.TabularEncoder`; a generator maps noise to encoded rows
    (linear outputs for continuous values, Gumbel-softmax samples for categories,
    relaxed Bernoulli samples for missing indicators) and a discriminator judges
    packs of ``pac`` rows (PacGAN), trained with the WGAN-GP or the non-saturating
    logistic loss.

    An autoencoder can help, each way a parameter (see the user guide for the
    measured effect of each):

    - ``pretrain_generator``: the generator maps noise into the code space of an
      autoencoder pretrained on the table and the autoencoder's decoder turns codes
      into rows (medGAN); by default (``freeze_decoder="auto"``) that decoder stays
      fixed, so the GAN learns in the autoencoder's latent space;
    - ``pretrain_discriminator``: the discriminator's per-row body starts as the
      pretrained encoder's first layer;
    - ``reconstruction_weight``: adds ``weight * L(AE(G(z)), G(z))`` to the generator
      loss (the autoencoder's reconstruction loss of generated rows, frozen
      autoencoder), pulling samples towards rows the autoencoder can reconstruct.

    The defaults come from the ablation benchmark (``benchmarks/bench_gan_ablation.py``,
    its figures in the user guide, :ref:`autoencoder-gan`): generator pretraining
    raised the quality score on every table, so it is on; discriminator pretraining
    and the reconstruction term did not, alone or added to generator pretraining, so
    they are off.

    Conditional generation: ``fit(X, y)`` makes the generator conditional on the
    class ``y`` (``sample(n, y=...)``, :meth:`fit_resample`); ``condition_columns``
    conditions it on categorical columns of ``X`` with training-by-sampling, so rare
    categories are learnt and ``sample(n, conditions={"column": value})`` works.
    Training draws its rows category first: a conditioned column's category (with
    ``condition_columns``) or else the class, each with a probability proportional to
    the log of its frequency (CTGAN's rule), so that a minority class is trained on
    far more often than its share of the rows. In the conditional benchmark
    (``benchmarks/bench_conditional.py``, 12 subgroups of five tables) this raised the
    column shapes of the rows generated with ``y`` for the minority classes of the
    binary tables from 0.56-0.89 of the unconditional figure to 0.94-0.97 (8 of 12
    subgroups at 0.9 or more, against 6), but on diamonds, whose five classes include
    two small ones, the unconditional rows' shapes fell from 0.93 to 0.85 and every
    subgroup's with them; on the tuning tables (HMDA, credit_data, Males) it gave 7 of
    10 subgroups at 0.9 or more, against 4 for draws at the rows' own frequencies and
    6 for square-root weights. Unconditional samples still draw the classes at their
    training frequencies (``class_prior_``).

    Parameters
    ----------
    noise_dim : int, default=64
        Width of the generator's noise input.
    code_dim : int, default=64
        Width of the code between the generator's mapping and its decoder (the
        pretraining autoencoder's bottleneck).
    generator_layer_sizes : tuple of int, default=(256, 256)
        Hidden layers of the generator's decoder; its mapping has one hidden layer of
        the first size. Batch normalisation and ReLU.
    residual_generator : bool, default=False
        Every hidden layer of the generator (mapping and decoder, and so of the
        pretraining autoencoder's decoder) concatenates its output with its input, as
        CTGAN's generator does (:class:`~sklearn_ganae.nn.ConcatResidual`).
    discriminator_layer_sizes : tuple of int, default=(64, 256)
        The first layer is applied to each row (the body an encoder can initialise);
        the others to the ``pac`` rows' body outputs concatenated. LeakyReLU(0.2),
        dropout 0.5 after each packed layer. A narrow per-row layer keeps the packed
        input (``pac`` times its width) small.
    loss : {"logistic", "wgan-gp"}, default="logistic"
        The non-saturating logistic GAN loss, or WGAN with gradient penalty (CTGAN's
        choice). The logistic loss needs no second backward pass for a penalty and
        scored as well or better in the generator benchmark.
    gradient_penalty : float, default=10.0
        Weight of the WGAN-GP gradient penalty (``loss="wgan-gp"`` only).
    pac : int, default=10
        Rows the discriminator judges together; batches are multiples of it.
    n_critic : int, default=1
        Discriminator updates per generator update.
    tau : float, default=0.2
        Gumbel-softmax temperature of the categorical outputs during training.
    condition_columns : "auto", list of str or int, or None, default=None
        Categorical columns to condition on with training-by-sampling: ``"auto"``
        all categorical columns, a list names them (or gives their positions for
        arrays), ``None`` none.
    pretrain_generator : bool, default=True
    pretrain_discriminator : bool, default=False
    reconstruction_weight : float, default=0.0
        See above. Any of the three trains an autoencoder first.
    freeze_decoder : bool or "auto", default="auto"
        With ``pretrain_generator``, keep the pretrained decoder's weights fixed
        (train only the mapping into its code space: a GAN in the autoencoder's
        latent space) instead of fine-tuning them; its batch normalisation still
        normalises with the generated batches' statistics, whose running averages
        sampling uses (keeping the pretraining's statistics trained far worse).
        ``"auto"``: fixed when the generator is pretrained. On the tables the
        defaults are chosen on, a boosted detector's AUC was 0.62, 0.72 and 0.91 with
        the decoder fixed, against 0.74, 0.87 and 0.97 fine-tuned, with higher column
        shapes and pair trends on each. ``True`` needs
        ``pretrain_generator=True``.
    pretrain_epochs : int, default=50
        Epochs of autoencoder pretraining.
    discriminator_learning_rate : float or None, default=None
        The discriminator's learning rate (``None``: ``learning_rate``).
    sampling_strategy : str, float, dict or callable, default="auto"
        Classes to over-sample in :meth:`fit_resample`, in imbalanced-learn's forms.
    encoder : TabularEncoder or None, default=None
        The table encoding; cloned at fit (``None``:
        ``TabularEncoder(continuous_transform="auto")``: mode-specific normalisation
        for the multimodal continuous columns, quantile normalisation for the others.
        On the tables the defaults are chosen on, a boosted detector's AUC was 0.74,
        0.87 and 0.97 with it, against 0.87, 0.89 and 0.96 with standard
        normalisation; quantile normalisation everywhere scored 0.74, 0.88 and 0.93
        but squeezes the gaps between separated clusters, so that conditional rows
        fall into the wrong cluster, which the modes keep apart).
    max_epochs : int, default=300
        Epochs; each passes over the rows once for the discriminator.
    batch_size : int or "auto", default="auto"
        Rows per step, rounded down to a multiple of ``pac`` (and to the number of
        training rows). ``"auto"``: ``min(500, max(50, n_samples // 10))``, so that
        small tables get about ten steps per epoch and large ones CTGAN's 500 rows.
    learning_rate : float, default=2e-4
        Adam(W) learning rate, with ``betas=(0.5, 0.9)``.
    weight_decay : float, default=1e-6
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (at least 100 rows: fewer raise
        a ``ValueError``, as their detection AUC is noise); every
        ``validation_interval`` epochs, score the generator by the detection AUC of a
        classifier telling the held-out rows from 1,000 or more generated ones (below
        0.5 counts as 0.5); stop after ``n_iter_no_change`` checks without an
        improvement larger than twice the AUC's standard error, and restore the best
        generator only when it is that clearly better than the last one. GAN losses
        do not say when samples are good; this does. The held-out rows are split off
        before the pretraining autoencoder (if any) is trained. Off by default: see
        the early-stopping benchmark (``benchmarks/results/gan_early_stopping.md``).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
        Checks without improvement before stopping.
    validation_interval : int, default=10
        Epochs between checks.
    device : {"cpu", "cuda", "auto"} or str, default="cpu"
    precision : {"float32", "bf16"}, default="float32"
        Arithmetic of the training forward passes (the pretraining autoencoder's,
        the generator's and the discriminator's): ``"bf16"`` runs them under
        ``torch.autocast`` to bfloat16, with float32 losses, weights and optimizer
        state; WGAN-GP's gradient penalty is computed in float32 (see
        :class:`AutoencoderTransformer`). :meth:`sample` and the detection checks
        of early stopping compute in float32 either way.
    n_jobs : int or None, default=None
        Torch's intra-op threads during :meth:`fit` and :meth:`sample`: ``None``
        follows the machine's load (the CPUs other processes leave free, at most the
        caller's ``torch.get_num_threads()``), an int fixes the count, -1 means every
        CPU; set only during the call (see :class:`AutoencoderTransformer`).
    random_state : int, RandomState instance or None, default=None
        Seeds training, and the model's sampling stream: the seed of the successive
        :meth:`sample` calls that get no ``random_state`` (see Notes).
    verbose : int, default=0
        Progress on stderr. 0 is silent; 1 shows one progress bar per phase:
        "pretraining" (the autoencoder's epochs), "training" (epochs done out of
        ``max_epochs``, elapsed and remaining time, the latest generator and
        discriminator losses ``g_loss`` and ``d_loss``, and with early stopping the
        latest detection AUC) and, for :meth:`sample` of more than 10,000 rows,
        "sampling"; 2 adds skorch's table of per-epoch losses. When stderr is not a
        terminal (a log file), a bar is a plain line every 10% of the work or every
        10 seconds, without colour codes.
    warm_start : bool, default=False
        Continue training the fitted networks for ``max_epochs`` more epochs.
    checkpoint_dir : str, os.PathLike or None, default=None
    checkpoint_interval : int, default=10
        Checkpoints of a long fit, which the same fit resumes from after a crash:
        see :class:`AutoencoderTransformer`.

    Attributes
    ----------
    encoder_ : TabularEncoder
    net_ : skorch.NeuralNet
        The trained GAN: ``net_.module_`` the generator, ``net_.discriminator_``.
    autoencoder_ : sklearn_ganae.nn.Autoencoder or None
        The pretrained autoencoder (when one of its roles is on).
    history_ : skorch.callbacks.History
        Per epoch: ``train_loss`` (generator), ``train_d_loss``,
        ``train_wasserstein`` (WGAN-GP) and, with early stopping,
        ``valid_detection`` at each check.
    loss_curve_ : list of float
        Generator loss per epoch.
    n_iter_ : int
    classes_ : ndarray or None
        Classes of ``y`` (a model fitted with labels), else ``None``.
    class_prior_ : ndarray or None
    condition_columns_ : list
        The conditioned columns (names for DataFrames, positions for arrays).
    batch_size_ : int
        The batch size used (a multiple of ``pac``).
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    VAETransformer : A VAE that also samples rows (and encodes and scores them).

    Notes
    -----
    Sampling draws noise and conditions from NumPy and runs the generator in
    evaluation mode (batch-norm running statistics) in batches of 10,000 rows, so
    memory stays bounded for any ``n_samples`` and a given seed gives the same rows
    on the CPU. Each fitted model has one random stream: successive :meth:`sample`
    calls without ``random_state`` continue it, so they never repeat each other, and
    it starts from the model's seed at each fit, so two models fitted with the same
    ``random_state`` give the same sequence of calls; :meth:`reset_sampling` rewinds
    it (as SDV's ``reset_sampling()`` does). A call with ``random_state`` gives the
    rows of that seed and leaves the stream alone. scikit-learn's
    :meth:`~sklearn.mixture.GaussianMixture.sample` differs: it draws from the
    estimator's ``random_state`` at each call, so with an int it repeats its rows.
    A fit that fails (an exception, divergence, Ctrl-C) leaves the model as it was
    before the call: fitted as before, or unfitted.

    The discriminator sees the conditions concatenated to each row's body output and
    through a projection term [6]_.

    References
    ----------
    .. [1] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    .. [2] I. Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    .. [3] Z. Lin et al., "PacGAN: The power of two samples in generative
       adversarial networks", NeurIPS 2018.
    .. [4] E. Choi et al., "Generating Multi-label Discrete Patient Records using
       Generative Adversarial Networks" (medGAN), MLHC 2017.
    .. [5] L. Xu et al., "Modeling Tabular Data using Conditional GAN", NeurIPS 2019.
    .. [6] T. Miyato and M. Koyama, "cGANs with Projection Discriminator", ICLR 2018.

    Examples
    --------
    >>> from sklearn_ganae import GANSampler
    >>> from sklearn_ganae.datasets import load_penguins
    >>> df = load_penguins()
    >>> gan = GANSampler(max_epochs=2, random_state=0).fit(df)
    >>> rows = gan.sample(5, random_state=0)
    >>> rows.shape, list(rows.columns) == list(df.columns)
    ((5, 7), True)
    """

    # the generator's batch normalisation: training depends on torch's thread count
    _thread_invariant = False

    _default_encoder_params = {"continuous_transform": "auto"}
    _parameter_constraints: dict = {
        **BaseTabularNN._parameter_constraints,
        "noise_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "code_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "generator_layer_sizes": ["array-like"],
        "residual_generator": ["boolean"],
        "discriminator_layer_sizes": ["array-like"],
        "loss": [StrOptions({"wgan-gp", "logistic"})],
        "gradient_penalty": [Interval(numbers.Real, 0, None, closed="left")],
        "pac": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left")],
        "tau": [Interval(numbers.Real, 0, None, closed="neither")],
        "condition_columns": [StrOptions({"auto"}), "array-like", None],
        "pretrain_generator": ["boolean"],
        "pretrain_discriminator": ["boolean"],
        "reconstruction_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "freeze_decoder": ["boolean", StrOptions({"auto"})],
        "pretrain_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "discriminator_learning_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "validation_interval": [Interval(numbers.Integral, 1, None, closed="left")],
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        noise_dim=64,
        code_dim=64,
        generator_layer_sizes=(256, 256),
        residual_generator=False,
        discriminator_layer_sizes=(64, 256),
        loss="logistic",
        gradient_penalty=10.0,
        pac=10,
        n_critic=1,
        tau=0.2,
        condition_columns=None,
        pretrain_generator=True,
        pretrain_discriminator=False,
        reconstruction_weight=0.0,
        freeze_decoder="auto",
        pretrain_epochs=50,
        discriminator_learning_rate=None,
        sampling_strategy="auto",
        encoder=None,
        max_epochs=300,
        batch_size="auto",
        learning_rate=2e-4,
        weight_decay=1e-6,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        validation_interval=10,
        device="cpu",
        precision="float32",
        n_jobs=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        checkpoint_dir=None,
        checkpoint_interval=10,
    ):
        self.noise_dim = noise_dim
        self.code_dim = code_dim
        self.generator_layer_sizes = generator_layer_sizes
        self.residual_generator = residual_generator
        self.discriminator_layer_sizes = discriminator_layer_sizes
        self.loss = loss
        self.gradient_penalty = gradient_penalty
        self.pac = pac
        self.n_critic = n_critic
        self.tau = tau
        self.condition_columns = condition_columns
        self.pretrain_generator = pretrain_generator
        self.pretrain_discriminator = pretrain_discriminator
        self.reconstruction_weight = reconstruction_weight
        self.freeze_decoder = freeze_decoder
        self.pretrain_epochs = pretrain_epochs
        self.discriminator_learning_rate = discriminator_learning_rate
        self.sampling_strategy = sampling_strategy
        self.encoder = encoder
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.validation_interval = validation_interval
        self.device = device
        self.precision = precision
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_interval = checkpoint_interval

    _net_class = GANNet

    # --- parameters against the data (the fit pipeline's hooks: see sklearn_ganae._base) -
    def _sizes(self, name):
        return check_layer_sizes(getattr(self, name), name)

    def _uses_autoencoder(self) -> bool:
        return (
            self.pretrain_generator
            or self.pretrain_discriminator
            or self.reconstruction_weight > 0
        )

    def _freezes_decoder(self) -> bool:
        """Whether the generator's decoder stays the pretrained one (or a clear error
        for ``freeze_decoder=True`` without a pretrained decoder)."""
        if self.freeze_decoder == "auto":
            return bool(self.pretrain_generator)
        if self.freeze_decoder and not self.pretrain_generator:
            raise ValueError(
                "freeze_decoder=True keeps the pretrained decoder fixed, but "
                "pretrain_generator=False trains no decoder to keep; pass "
                "pretrain_generator=True, or freeze_decoder='auto' or False."
            )
        return bool(self.freeze_decoder)

    def _check_params_against_data(self, state):
        self._freezes_decoder()
        self._sizes("generator_layer_sizes")
        self._sizes("discriminator_layer_sizes")

    def _check_training_rows(self, state):
        if state.valid_rows is not None:
            check_detection_rows(len(state.valid_rows), state.n_rows, self.validation_fraction)

    def _batch_size(self, n_train: int) -> int:
        wanted = min(500, max(50, n_train // 10)) if self.batch_size == "auto" else self.batch_size
        size = min(int(wanted), n_train) // self.pac * self.pac
        # the generator's batch norm cannot train on a single row
        least = max(self.pac, 2)
        if size < least:
            raise ValueError(
                f"GANSampler with pac={self.pac} needs at least {least} training rows "
                f"per batch; got n_samples={n_train} training rows and "
                f"batch_size={self.batch_size}. Pass "
                "more rows, a larger batch_size or a smaller pac."
            )
        return size

    def _resolve_condition_columns(self, encoder):
        """The conditioned columns' encoded blocks, and their user-facing names."""
        if self.condition_columns is None:
            return [], []
        names = encoder.column_names()
        user = (
            list(self.feature_names_in_)
            if hasattr(self, "feature_names_in_")
            else list(range(encoder.n_features_in_))
        )
        cat_blocks = {
            b.column: b
            for b in encoder.layout_.blocks(CATEGORICAL)
            if encoder.categorical_mask_[b.column]
        }
        if isinstance(self.condition_columns, str):  # "auto"
            chosen = sorted(cat_blocks)
        else:
            chosen = []
            for key in self.condition_columns:
                if isinstance(key, numbers.Integral) and not isinstance(key, bool):
                    j = int(key)
                    if not 0 <= j < len(names):
                        raise ValueError(
                            f"condition_columns has position {key}, but X has "
                            f"{len(names)} columns."
                        )
                elif str(key) in names:
                    j = names.index(str(key))
                else:
                    raise ValueError(
                        f"condition_columns names {key!r}, which is not a column of X; "
                        f"the columns are {names}."
                    )
                if j not in cat_blocks:
                    raise ValueError(
                        f"condition_columns names {user[j]!r}, which is not categorical; "
                        "only categorical columns can be conditioned on."
                    )
                chosen.append(j)
        return [cat_blocks[j] for j in chosen], [user[j] for j in chosen]

    def _prepare(self, state):
        blocks, names = self._resolve_condition_columns(self.encoder_)
        spec = ConditionSpec(
            0 if self.classes_ is None else len(self.classes_),
            [(b.start, b.stop) for b in blocks],
            state.Z.shape[1],
        )
        if state.stream is None:
            self._spec_ = spec.fit(state.Z, state.codes)
        else:  # the exact frequencies of the streaming pass, not the sample's
            counts = [self.encoder_.category_counts(b.column) for b in blocks]
            self._spec_ = spec.fit_counts(np.concatenate(counts or [np.zeros(0)]))
        self._condition_blocks_ = blocks
        self.condition_columns_ = names

    # --- the networks --------------------------------------------------------------------
    def _pretrain(self, state):
        """The autoencoder that pretrains and steadies the GAN, trained on the training
        rows only (the held-out rows judge the generator), or None."""
        if not self._uses_autoencoder():
            return None
        layout = state.layout
        encoder = make_encoder(
            layout.n_features, self.code_dim, self._sizes("discriminator_layer_sizes")[0]
        )
        decoder = make_decoder(
            layout, self.code_dim, self._sizes("generator_layer_sizes"), self.residual_generator
        )
        net = self._build_net(
            Autoencoder(encoder, decoder),
            ReconstructionLoss(layout),
            state=state,
            max_epochs=self.pretrain_epochs,
            batch_size=min(256, state.n_shard),
            learning_rate=1e-3,
            phase="pretraining",
        )
        # data-parallel too in a data-parallel fit; a plain module afterwards
        if state.stream is None:
            data = TableDataset(state.Z[state.train_rows], device=state.device)
        else:
            data = state.stream
        self._train_net(net, data, state)
        return net.get_module().eval()

    def _build_module(self, state):
        generator = Generator(
            state.layout,
            self.noise_dim,
            self._spec_.width,
            self.code_dim,
            mapping_sizes=self._sizes("generator_layer_sizes")[:1],
            decoder_sizes=self._sizes("generator_layer_sizes"),
            residual=self.residual_generator,
        )
        if self.pretrain_generator:
            generator.decoder.load_state_dict(state.pretrained.decoder.state_dict())
            if self._freezes_decoder():
                generator.decoder.requires_grad_(False)
        return generator

    def _net_kwargs(self, state, module, criterion):
        kwargs = super()._net_kwargs(state, module, criterion)
        autoencoder = state.pretrained
        discriminator = Discriminator(
            state.layout.n_features,
            self._spec_.width,
            self._sizes("discriminator_layer_sizes"),
            pac=self.pac,
        )
        if self.pretrain_discriminator:
            discriminator.body.load_state_dict(autoencoder.encoder.body.state_dict())
        kwargs.update(
            discriminator=discriminator,
            autoencoder=autoencoder if self.reconstruction_weight > 0 else None,
            optimizer__betas=(0.5, 0.9),
            iterator_train=GANBatchIterator,
            loss=self.loss,
            gradient_penalty=self.gradient_penalty,
            n_critic=self.n_critic,
            tau=self.tau,
            reconstruction_weight=self.reconstruction_weight,
            condition_columns=self._spec_.columns,
            n_classes=self._spec_.n_classes,
            discriminator_lr=self.discriminator_learning_rate,
            iterator_train__shuffle=True,
            iterator_train__merge_singleton=False,  # full batches already
        )
        return kwargs

    # the progress bar's figures: the players' losses, the latest detection AUC
    _progress_keys = {
        "g_loss": "train_loss",
        "d_loss": "train_d_loss",
        "wasserstein": "train_wasserstein",
        "detection": "valid_detection",
    }

    def _extra_callbacks(self):
        # before early stopping, which ends an epoch early: its losses are recorded too
        callbacks = [("train_d_loss", PassthroughScoring(name="train_d_loss", on_train=True))]
        if self.loss == "wgan-gp":
            callbacks.append(
                ("train_wasserstein", PassthroughScoring(name="train_wasserstein", on_train=True))
            )
        return callbacks

    def _early_stopping_callbacks(self, state):
        return [
            (
                "detection_early_stopping",
                DetectionEarlyStopping(
                    GenerateEncoded(self),
                    interval=self.validation_interval,
                    patience=self.n_iter_no_change,
                    seed=self._seed_,
                    sink=print_to_stderr if self._verbosity(state) else silent,
                ),
            )
        ]

    def _training_data(self, state, rows):
        codes = None if state.codes is None else state.codes[rows]
        return GANData(state.Z[rows], codes, device=state.device, spec=self._spec_)

    def __getstate__(self):
        state = super().__getstate__()
        autoencoder = state.get("autoencoder_")
        if autoencoder is not None and any(p.is_cuda for p in autoencoder.parameters()):
            # the net keeps its own (device-mapped by skorch); this one unpickles anywhere
            state["autoencoder_"] = copy.deepcopy(autoencoder).cpu()
        return state

    def _checkpoint_attributes(self, state):
        return {} if state.warm else {"autoencoder_": state.pretrained}

    def _streamed_training_data(self, state):
        spec = self._spec_
        if not spec.n_blocks:
            return state.stream
        counts = torch.as_tensor(spec.counts[0], dtype=torch.float32)
        return state.stream.with_spec(spec, log_frequency_weights(counts, spec.offsets))

    def _after_fit(self, state):
        if not state.warm:
            self.autoencoder_ = state.pretrained
        self.batch_size_ = int(self.net_.batch_size)
        self._check_collapse()

    # --- fitting -------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @atomic_fit
    def fit(self, X, y=None):
        """Fit the encoding and train the GAN (conditional on ``y`` when given).

        A fit that fails (an exception, divergence, Ctrl-C) leaves the model as it was
        before the call: fitted as before, or unfitted.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features), path or iterable
            Training rows; not modified. Also the path (str or ``os.PathLike``) of a
            Parquet file, a folder of Parquet files or a CSV file, or DataFrame chunks
            (a list, an iterator or a function returning one): a streamed fit that
            reads the table in bounded batches (see the user guide, "Tables larger
            than memory").
        y : array-like of shape (n_samples,) or None, default=None
            Class labels: the generator becomes conditional on them (in-memory
            tables only).

        Returns
        -------
        self : GANSampler
        """
        return self._fit(X, y)

    # --- sampling ------------------------------------------------------------------------
    def _condition_target(self, conditions):
        """``{"column": value}`` -> (block number, category position)."""
        if not isinstance(conditions, dict) or len(conditions) != 1:
            raise ValueError(
                "conditions must be a dict with one column, e.g. {'color': 'red'}; got "
                f"{conditions!r}. Conditioning on several columns at once is not supported."
            )
        ((key, value),) = conditions.items()
        if np.ndim(value) != 0 or isinstance(value, (set, frozenset, dict)):
            raise ValueError(
                f"conditions gives one value for column {key!r}, e.g. {{{key!r}: 'a'}}; "
                f"got {value!r}. For rows with different values, call sample once per "
                "value and concatenate the results."
            )
        if not self._condition_blocks_:
            raise ValueError(
                "This GANSampler was fitted without condition_columns; fit it with "
                "condition_columns='auto' (or a list of columns) to sample with conditions."
            )
        if key not in self.condition_columns_:
            raise ValueError(
                f"conditions names column {key!r}, which the model is not conditioned on; "
                f"the conditioned columns are {list(self.condition_columns_)}."
            )
        j = self.condition_columns_.index(key)
        block = self._condition_blocks_[j]
        category = self.encoder_.category_position(block.column, value)
        if category is None:
            categories = self.encoder_.categories(block.column)
            raise ValueError(
                f"conditions asks for {value!r} in column {key!r}, which is not one of its "
                f"learnt categories {categories[:20]}"
                + (
                    " (rare categories are grouped as infrequent)"
                    if block.width > len(categories)
                    else ""
                )
                + "."
            )
        return j, category

    @torch.no_grad()
    def _generate(self, conditions: np.ndarray, rng, net=None) -> np.ndarray:
        """Encoded-space values (probabilities for categories) for condition rows, by
        the generator of ``net`` (default: the fitted ``net_``) in evaluation mode."""
        net = self.net_ if net is None else net
        G = net.get_module()
        fast = inference_copy(G)
        noise = torch_generator(rng, torch.device(net.device))

        def generate(cond):
            z = torch.randn(len(cond), self.noise_dim, device=cond.device, generator=noise)
            return relaxed_activate(G.decoder.index, fast(z, cond))

        return self._apply_batches(generate, conditions, net=net)

    def _sample_encoded(self, n, codes, rng, target):
        block, category = (None, None) if target is None else target
        cond = self._spec_.draw(n, codes, rng, block=block, category=category)
        values = self._generate(cond, rng)
        if target is not None:
            b = self._condition_blocks_[block]
            values[:, b.start : b.stop] = 0.0
            values[:, b.start + category] = 1.0
        return values

    def _check_collapse(self):
        """Warn when the generator puts (almost) all mass on one category of columns
        that are diverse in the data (mode collapse)."""
        if not self.encoder_.layout_.blocks(CATEGORICAL):
            return
        rng = np.random.RandomState(0)
        cond = self._spec_.draw(
            _COLLAPSE_ROWS,
            None
            if self.classes_ is None
            else rng.choice(len(self.classes_), _COLLAPSE_ROWS, p=self.class_prior_),
            rng,
        )
        values = self._generate(cond, rng)
        if not np.all(np.isfinite(values)):
            raise FloatingPointError(
                "The generator outputs non-finite values; training diverged. Lower "
                "learning_rate or check the data for extreme values."
            )
        collapsed = []
        for b in self.encoder_.layout_.blocks(CATEGORICAL):
            if not self.encoder_.categorical_mask_[b.column] or b.width < 2:
                continue
            if values[:, b.start : b.stop].mean(axis=0).max() > 0.99:
                collapsed.append(b.name)
        if collapsed:
            warnings.warn(
                f"The generator collapsed: nearly every generated row takes one value in "
                f"columns {collapsed}. Train longer or with a lower learning_rate, try "
                "loss='wgan-gp', or condition_columns='auto'.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.target_tags.required = False
        return tags


class GenerateEncoded:
    """Generated rows in the encoded space, categories and missingness drawn (for the
    detection check during training). Picklable with the net."""

    def __init__(self, sampler: GANSampler):
        self.sampler = sampler

    def __call__(self, net, n, labels, rng):
        sampler = self.sampler
        spec = sampler._spec_
        codes = None
        if spec.n_classes:
            codes = labels if labels is not None else rng.randint(spec.n_classes, size=n)
        values = sampler._generate(spec.draw(n, codes, rng), rng, net=net)
        net.get_module().train()  # training goes on after the check
        return draw_encoded(values, sampler.encoder_.layout_, rng)


def draw_encoded(values, layout, rng):
    """Replace probabilities by draws: one-hot categories, 0/1 missing indicators."""
    out = values.copy()
    missing = layout.indices(MISSING)
    if missing.size:
        out[:, missing] = (rng.random_sample((len(out), missing.size)) < out[:, missing]) * 1.0
    rows = np.arange(len(out))
    for b in layout.blocks(CATEGORICAL):
        pick = draw_categories(out[:, b.start : b.stop], rng)
        out[:, b.start : b.stop] = 0.0
        out[rows, b.start + pick] = 1.0
    return out

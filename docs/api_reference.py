"""The structure of the API reference page (``docs/api/index.rst`` is rendered from it).

Each section documents names of one public module. ``names`` fixes the order within a
section; any name in the module's ``__all__`` that no section lists is added by
``sphinxext/ganae_docs.py`` to the module's section whose ``collect`` rule takes it
(``"estimators"``: scikit-learn estimators; ``"rest"``: anything else; ``None``: only
the names listed), so a new public object gets its reference page even before someone
places it here. To document a new module, add a section.
"""

API_SECTIONS = [
    {
        "title": "Estimators",
        "module": "sklearn_ganae",
        "collect": "estimators",
        "description": (
            "scikit-learn estimators: ``get_params``/``set_params``, ``clone``, "
            "pipelines, model selection and pickling work as for any scikit-learn "
            "estimator. The transformers add ``transform``/``inverse_transform`` and "
            "``set_output``; the generators ``sample`` rows and over-sample classes "
            "with ``fit_resample``. See :ref:`reduction`, :ref:`synthetic-data` and "
            ":ref:`gan`."
        ),
        "names": [
            "TabularEncoder",
            "AutoencoderTransformer",
            "VAETransformer",
            "GANSampler",
        ],
    },
    {
        "title": "Augmentation",
        "module": "sklearn_ganae",
        "collect": None,
        "description": (
            "An over-sampler with imbalanced-learn's protocol (``fit_resample``, "
            "``sampling_strategy``) that works in an autoencoder's latent space, and "
            "the scikit-learn-only meta-estimator that augments before fitting a "
            "classifier. See :ref:`augmentation`."
        ),
        "names": ["AEAugmenter", "AugmentedClassifier"],
    },
    {
        "title": "Saving models",
        "module": "sklearn_ganae",
        "collect": None,
        "description": (
            "Write and read fitted estimators as one file without pickle (also as "
            "``est.save(path)`` and ``Class.load(path)``). See :ref:`saving-models`."
        ),
        "names": ["save", "load", "ModelVersionWarning"],
    },
    {
        "title": "Table layout",
        "module": "sklearn_ganae",
        "collect": "rest",
        "description": (
            "What :attr:`TabularEncoder.layout_ <sklearn_ganae.TabularEncoder>` holds: "
            "the blocks of the encoded matrix that the networks' output heads and "
            "losses are built from."
        ),
        "names": ["TabularLayout", "ColumnBlock"],
    },
    {
        "title": "Synthetic-data metrics",
        "module": "sklearn_ganae.metrics",
        "collect": "rest",
        "description": (
            "Fidelity, utility and privacy of synthetic rows, usable on their own with "
            "any generator, and scorers for model selection. See "
            ":ref:`synthetic-data`."
        ),
        "names": [
            "quality_report",
            "QualityReport",
            "column_shapes",
            "column_pair_trends",
            "detection_score",
            "detection_importances",
            "alpha_precision_beta_recall",
            "ml_efficacy",
            "privacy_scores",
            "make_quality_scorer",
        ],
    },
    {
        "title": "Plotting",
        "module": "sklearn_ganae.plotting",
        "collect": "rest",
        "description": "Figures (needs the ``plot`` extra: matplotlib).",
        "names": ["plot_quality_report"],
    },
    {
        "title": "Datasets",
        "module": "sklearn_ganae.datasets",
        "collect": "rest",
        "description": "Small real tables shipped inside the package (no downloads).",
        "names": ["load_penguins"],
    },
    {
        "title": "PyTorch building blocks",
        "module": "sklearn_ganae.nn",
        "collect": "rest",
        "description": (
            "Plain ``torch.nn`` modules and losses with no scikit-learn inside, for "
            "users who build their own models on a "
            ":class:`~sklearn_ganae.TabularLayout`."
        ),
        "names": [
            "LayoutIndex",
            "MLP",
            "Encoder",
            "Decoder",
            "Autoencoder",
            "VariationalAutoencoder",
            "ReconstructionLoss",
            "negative_log_likelihood",
            "gaussian_kl",
            "make_activation",
        ],
    },
]

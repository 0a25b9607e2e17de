"""Saving and loading fitted estimators without pickle.

:func:`save` writes an estimator of the package to one file: a zip archive (written
with :mod:`zipfile`; no code inside) of two members,

- ``manifest.json``: the format's name and version, the estimator's class, its
  parameters (``get_params(deep=False)``, nested estimators as nested class and
  parameters), the versions of the package and of the libraries it runs on, the
  device, the encoder's fitted state and every other fitted attribute, as plain
  JSON data (numbers, strings, lists, tagged objects);
- ``weights.safetensors``: every torch tensor (the modules' ``state_dict``, the
  optimizers' state) and the larger numeric arrays, in the safetensors format.

:func:`load` rebuilds the estimator from that file through an explicit list of
classes only (:data:`_ESTIMATOR_CLASSES`, :data:`_OBJECT_CLASSES`,
:data:`_MODULE_CLASSES`, :data:`_NET_CLASSES`, :data:`_CLASS_REFERENCES`,
:data:`_FUNCTIONS`, plus the public estimators of scikit-learn's public modules):
plain objects are made with ``cls.__new__(cls)`` and their attribute dict,
estimators with their constructor and their parameters, torch modules with the
constructor arguments they recorded (``_init_args``, see
:mod:`sklearn_ganae.nn._init_args`) before their weights are loaded, and skorch nets
with their parameters before ``initialize()``. A file that names any other class is
refused, so loading runs no code that comes from the file.

What is not saved: rows of the training data (the rows a GAN holds out for early
stopping, the best weights that early-stopping callbacks keep during training; the
encoder's statistics, category levels and identifier hashes are kept, as in a
pickle).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as _dt
import importlib
import json
import math
import os
import platform
import re
import stat
import tempfile
import warnings
import zipfile
import zoneinfo
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
import torch

FORMAT = "sklearn-ganae-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.safetensors"

# numeric arrays with at most this many (finite) values stay in the manifest
_INLINE_MAX = 16
# refuse archive members larger than this (a damaged or hostile file)
_MAX_MEMBER_BYTES = 16 * 2**30
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same model gives the same bytes


class ModelVersionWarning(UserWarning):
    """A model file was written with other versions of the package or its libraries.

    The model is rebuilt from plain data, so it loads; but a fitted attribute whose
    meaning changed between versions can make it behave differently. Check its
    outputs, or refit it with the versions installed.
    """


# --- what a file may name -------------------------------------------------------------
# The name written in files -> where the class lives now ("module:qualname"). A class
# that moves keeps its name in files: only the right-hand side changes.
def _spec(*where: str) -> dict[str, str]:
    return {w.replace(":", "."): w for w in where}


_ESTIMATOR_CLASSES = {
    "sklearn_ganae.TabularEncoder": "sklearn_ganae.tabular:TabularEncoder",
    "sklearn_ganae.AutoencoderTransformer": "sklearn_ganae.autoencoder:AutoencoderTransformer",
    "sklearn_ganae.VAETransformer": "sklearn_ganae.vae:VAETransformer",
    "sklearn_ganae.GANSampler": "sklearn_ganae.gan._sampler:GANSampler",
    "sklearn_ganae.AEAugmenter": "sklearn_ganae.augment:AEAugmenter",
    "sklearn_ganae.AugmentedClassifier": "sklearn_ganae.augment:AugmentedClassifier",
}
# rebuilt with cls.__new__(cls) and their attribute dict (plus the items of a
# tuple or list subclass)
_OBJECT_CLASSES = _spec(
    "sklearn_ganae.tabular:_ContinuousCodec",
    "sklearn_ganae.tabular:_CategoricalCodec",
    "sklearn_ganae._columns:DatetimeCodec",
    "sklearn_ganae._columns:IdentifierCodec",
    "sklearn_ganae._training:NonFiniteLossGuard",
    "sklearn_ganae._training:EpochProgress",
    "sklearn_ganae._training:EpochTable",
    "sklearn_ganae._training:EarlyStopping",
    "skorch.callbacks:PassthroughScoring",
    "skorch.callbacks:EpochTimer",
    "skorch.callbacks:PrintLog",
    "skorch.history:History",
) | {
    # moved since they were first written: the name in files stays
    "sklearn_ganae.tabular.ColumnBlock": "sklearn_ganae._layout:ColumnBlock",
    "sklearn_ganae.tabular.TabularLayout": "sklearn_ganae._layout:TabularLayout",
    "sklearn_ganae._gan_training.ConditionSpec": "sklearn_ganae.gan._training:ConditionSpec",
    "sklearn_ganae.gan._GenerateEncoded": "sklearn_ganae.gan._sampler:GenerateEncoded",
    "sklearn_ganae._gan_training.DetectionEarlyStopping": (
        "sklearn_ganae.gan._early_stopping:DetectionEarlyStopping"
    ),
}
# torch modules: rebuilt from their recorded constructor arguments, then their weights
_MODULE_CLASSES = _spec(
    "sklearn_ganae.nn._modules:MLP",
    "sklearn_ganae.nn._modules:Encoder",
    "sklearn_ganae.nn._modules:Decoder",
    "sklearn_ganae.nn._modules:Autoencoder",
    "sklearn_ganae.nn._modules:VariationalAutoencoder",
    "sklearn_ganae.nn._layout:LayoutIndex",
    "sklearn_ganae.nn._losses:ReconstructionLoss",
    "sklearn_ganae.vae:ELBOLoss",
) | {
    "sklearn_ganae.nn._gan.Generator": "sklearn_ganae.gan._modules:Generator",
    "sklearn_ganae.nn._gan.Discriminator": "sklearn_ganae.gan._modules:Discriminator",
}
# modules that do not record their arguments: how to read them off a built module
_DERIVED_INIT_ARGS: dict = {}
# skorch nets: rebuilt from their parameters, initialised, then their state loaded
_NET_CLASSES = _spec(
    "sklearn_ganae._training:TabularNet",
    "sklearn_ganae.vae:_VAENet",
) | {"sklearn_ganae._gan_training.GANNet": "sklearn_ganae.gan._training:GANNet"}
# classes that are values (a net's optimizer, iterators, dataset)
_CLASS_REFERENCES = _spec(
    "torch.optim:AdamW",
    "torch.optim:Adam",
    "torch.optim:SGD",
    "torch.optim:RMSprop",
    "torch.utils.data:DataLoader",
    "skorch.dataset:Dataset",
    "sklearn_ganae._training:TableDataset",
    "sklearn_ganae._training:TensorBatchIterator",
) | {
    "sklearn_ganae._gan_training.GANData": "sklearn_ganae.gan._training:GANData",
    "sklearn_ganae._gan_training.GANBatchIterator": "sklearn_ganae.gan._training:GANBatchIterator",
}
# functions that are values (progress sinks)
_FUNCTIONS = _spec(
    "sklearn_ganae._training:print_to_stderr",
    "sklearn_ganae._progress:print_to_stderr",
    "sklearn_ganae._base:silent",
    "builtins:print",
)
# scikit-learn estimators are rebuilt from the public modules of scikit-learn only
_SKLEARN_MODULES = frozenset(
    "calibration cluster compose covariance cross_decomposition decomposition "
    "discriminant_analysis dummy ensemble feature_extraction feature_selection frozen "
    "gaussian_process impute isotonic kernel_approximation kernel_ridge linear_model "
    "manifold mixture model_selection multiclass multioutput naive_bayes neighbors "
    "neural_network pipeline preprocessing random_projection semi_supervised svm "
    "tree".split()
)
_BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
# Python types that are values (``dtype=float`` of a scikit-learn estimator)
_BUILTIN_TYPES = {t.__name__: t for t in (bool, int, float, complex, str, bytes, object)}

# attributes that hold (or may hold) training rows: stored as None, whatever they hold
# (a class names its own in ``_not_saved_attributes``; this is for other classes)
_DATA_ATTRIBUTES: dict[str, tuple] = {}
# private attributes of a skorch net that its constructor and initialize() rebuild
_NET_REBUILT = frozenset({"_params_to_validate", "_modules", "_criteria", "_optimizers"})

_TABLES: dict[str, dict] = {}


def _resolve(where: str):
    module, _, qualname = where.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _table(kind: str) -> dict:
    """``{name: object}`` and ``{id(object): name}`` of one whitelist (resolved once)."""
    if kind not in _TABLES:
        specs = {
            "estimator": _ESTIMATOR_CLASSES,
            "object": _OBJECT_CLASSES,
            "module": _MODULE_CLASSES,
            "net": _NET_CLASSES,
            "class": _CLASS_REFERENCES,
            "function": _FUNCTIONS,
        }[kind]
        by_name = {}
        for name, where in specs.items():
            with contextlib.suppress(ImportError, AttributeError):
                by_name[name] = _resolve(where)
        _TABLES[kind] = {"by_name": by_name, "by_id": {id(v): k for k, v in by_name.items()}}
    return _TABLES[kind]


def _name_in(kind: str, obj) -> str | None:
    return _table(kind)["by_id"].get(id(obj))


def _sklearn_public_name(cls) -> str | None:
    """``"sklearn.<public module>.<Class>"`` for a scikit-learn estimator class."""
    from sklearn.base import BaseEstimator

    parts = cls.__module__.split(".")
    if parts[0] != "sklearn" or not issubclass(cls, BaseEstimator) or "." in cls.__qualname__:
        return None
    for stop in range(2, len(parts) + 1):
        name = ".".join(parts[:stop])
        if not _allowed_sklearn_module(name):
            break
        with contextlib.suppress(ImportError):
            if getattr(importlib.import_module(name), cls.__name__, None) is cls:
                return f"{name}.{cls.__name__}"
    return None


def _allowed_sklearn_module(module: str) -> bool:
    parts = module.split(".")
    return (
        len(parts) >= 2
        and parts[0] == "sklearn"
        and parts[1] in _SKLEARN_MODULES
        and all(re.fullmatch(r"[a-z][a-z0-9_]*", p) and p != "tests" for p in parts[1:])
    )


def _sklearn_class(name: str):
    """The scikit-learn estimator class a file names, or None when it may not."""
    from sklearn.base import BaseEstimator

    module, _, cls_name = name.rpartition(".")
    if not _allowed_sklearn_module(module) or not re.fullmatch(r"[A-Z][A-Za-z0-9_]*", cls_name):
        return None
    try:
        cls = getattr(importlib.import_module(module), cls_name, None)
    except ImportError:
        return None
    if isinstance(cls, type) and issubclass(cls, BaseEstimator):
        return cls
    return None


def _estimator_name(obj) -> str | None:
    name = _name_in("estimator", type(obj))
    return name if name is not None else _sklearn_public_name(type(obj))


def _data_attributes(name: str, obj) -> tuple:
    """Attributes of ``obj`` that hold (or may hold) training rows: never saved.

    From :data:`_DATA_ATTRIBUTES` and the class's own ``_not_saved_attributes``.
    """
    own = getattr(type(obj), "_not_saved_attributes", ())
    return (*_DATA_ATTRIBUTES.get(name, ()), *own)


def _is_state_dict(value) -> bool:
    return (
        isinstance(value, dict)
        and len(value) > 0
        and all(isinstance(v, torch.Tensor) for v in value.values())
    )


def _is_callback(obj) -> bool:
    from skorch.callbacks import Callback

    return isinstance(obj, Callback)


def _versions() -> dict[str, str]:
    import safetensors
    import sklearn
    import skorch

    import sklearn_ganae

    return {
        "sklearn-ganae": sklearn_ganae.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": skorch.__version__,
        "safetensors": safetensors.__version__,
    }


def _major_minor(version: str):
    match = re.match(r"(\d+)\.(\d+)", str(version))
    return (int(match[1]), int(match[2])) if match else str(version)


class _Refused(TypeError):
    """An object of the estimator that the format cannot store."""


# --- writing --------------------------------------------------------------------------
class _Writer:
    """Turns an estimator into the manifest's plain data and a dict of tensors.

    Objects that several attributes share (the encoder's layout, the net's history,
    a GAN's autoencoder) are written once, with an ``"$id"``; later occurrences are
    ``{"$ref": id}``. Reading follows the same order, so a reference always points
    back to an object already rebuilt.
    """

    def __init__(self):
        self.tensors: dict[str, torch.Tensor] = {}
        self._memo: dict[int, int] = {}
        self._alive: list = []  # keeps every memoised object alive (ids stay unique)
        self._in_args = 0
        self._n_keys = 0

    # -- helpers --
    def _register(self, obj) -> int:
        ref = len(self._alive)
        self._memo[id(obj)] = ref
        self._alive.append(obj)
        return ref

    def _key(self, prefix: str) -> str:
        self._n_keys += 1
        return f"{prefix}{self._n_keys}"

    def _store(self, key: str, tensor: torch.Tensor) -> None:
        # a copy on the CPU: safetensors refuses tensors that share memory
        self.tensors[key] = tensor.detach().to("cpu", copy=True).contiguous()

    def refuse(self, where: str, value, why: str = "") -> _Refused:
        kind = type(value)
        return _Refused(
            f"sklearn_ganae.save cannot store {where}: it holds a "
            f"{kind.__module__}.{kind.__qualname__}{why}, which is not plain data "
            "(numbers, strings, arrays, tensors) nor one of the objects the format "
            "knows. Save this model with pickle or joblib, or with skops "
            "(skops.io.dump), which can store arbitrary objects (load such files "
            "only from sources you trust)."
        )

    # -- the estimator --
    def root(self, est) -> dict:
        name = _name_in("estimator", type(est))
        if name is None:
            kind = type(est)
            raise TypeError(
                "sklearn_ganae.save stores the estimators of sklearn-ganae "
                "(TabularEncoder, AutoencoderTransformer, VAETransformer, GANSampler, "
                f"AEAugmenter, AugmentedClassifier); got a {kind.__module__}."
                f"{kind.__qualname__}. Save other estimators with pickle, joblib or skops."
            )
        self._register(est)
        params, fitted = self._estimator_parts(est, name)
        where = type(est).__name__
        out = {"params": self.encode(params, f"{where}.params")}
        encoder = fitted.pop("encoder_", None)
        out["encoder"] = None if encoder is None else self.encode(encoder, f"{where}.encoder_")
        out["fitted"] = self.encode(fitted, where)
        device = getattr(est, "device_", None)
        out["device"] = device if isinstance(device, str) else None
        return out

    def _estimator_parts(self, est, name):
        params = est.get_params(deep=False)
        fitted = {k: v for k, v in vars(est).items() if k not in params}
        for attr in _data_attributes(name, est):
            if attr in fitted:
                fitted[attr] = None
        return params, fitted

    # -- values --
    def encode(self, v, where: str):
        if v is None or v is True or v is False:
            return v
        kind = type(v)
        if kind is str or kind is int:
            return v
        if kind is float:
            return v if math.isfinite(v) else {"$type": "float", "value": repr(v)}
        if kind is list:
            return [self.encode(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if kind is tuple:
            return {"$type": "tuple", "items": self.encode(list(v), where)}
        if kind is dict:
            if all(type(k) is str and not k.startswith("$") for k in v):
                return {k: self.encode(x, f"{where}.{k}") for k, x in v.items()}
            return {"$type": "dict", "items": self._items(v, where)}
        if kind is collections.OrderedDict:
            return {"$type": "odict", "items": self._items(v, where)}
        if kind is set or kind is frozenset:
            try:
                items = sorted(v)
            except TypeError:  # mixed types: an order that does not depend on hashing
                items = sorted(v, key=lambda x: (type(x).__qualname__, repr(x)))
            return {"$type": kind.__name__, "items": self.encode(items, where)}
        if kind is bytes:
            return {"$type": "bytes", "base64": base64.b64encode(v).decode("ascii")}
        if kind is slice:
            return {"$type": "slice", "items": self.encode([v.start, v.stop, v.step], where)}
        if isinstance(v, PurePath):  # a folder parameter (checkpoint_dir): read as a Path
            return {"$type": "path", "value": str(v)}
        if isinstance(v, torch.Tensor):
            return self._tensor(v, where)
        if isinstance(v, np.ndarray):
            return self._array(v, where)
        if isinstance(v, np.generic):
            return self._np_scalar(v, where)
        if isinstance(v, np.dtype):
            return self._np_dtype(v, where)
        if isinstance(v, pd.api.extensions.ExtensionDtype):
            return self._checked(self._pd_dtype(v, where), v, where)
        if v is pd.NA:
            return {"$type": "pd.NA"}
        if v is pd.NaT:
            return {"$type": "pd.NaT"}
        if isinstance(v, pd.Timestamp):
            return self._checked(self._timestamp(v, where), v, where)
        if isinstance(v, pd.Timedelta):
            spec = {"$type": "pd.Timedelta", "value": int(v.value), "unit": v.unit}
            return self._checked(spec, v, where)
        if isinstance(v, pd.Index):
            return self._checked(self._index(v, where), v, where)
        if kind is _dt.datetime:
            return {
                "$type": "datetime",
                "iso": v.replace(tzinfo=None).isoformat(),
                "tz": self.encode(v.tzinfo, where),
                "fold": v.fold,
            }
        if kind is _dt.date:
            return {"$type": "date", "iso": v.isoformat()}
        if kind is _dt.timedelta:
            return {"$type": "timedelta", "items": [v.days, v.seconds, v.microseconds]}
        if isinstance(v, _dt.tzinfo):
            return self._tz(v, where)
        if kind is np.random.RandomState:
            state = list(v.get_state(legacy=True))
            return {"$type": "RandomState", "state": self.encode(state, where)}
        if kind is np.random.Generator:
            bit_generator = v.bit_generator
            name = type(bit_generator).__name__
            if name not in _BIT_GENERATORS or type(bit_generator) is not getattr(np.random, name):
                raise self.refuse(where, bit_generator)
            state = bit_generator.state
            return {
                "$type": "Generator",
                "bit_generator": name,
                "state": self.encode(state, where),
            }
        if isinstance(v, torch.dtype):
            return {"$type": "torch.dtype", "name": str(v).removeprefix("torch.")}
        if isinstance(v, torch.device):
            return {"$type": "torch.device", "name": str(v)}
        if (
            isinstance(v, type)
            and v.__name__ in _BUILTIN_TYPES
            and _BUILTIN_TYPES[v.__name__] is v
        ):
            return {"$type": "builtin type", "name": v.__name__}
        if isinstance(v, type) and issubclass(v, np.generic) and v is not np.generic:
            with contextlib.suppress(TypeError):
                dtype = np.dtype(v)
                if dtype.type is v and dtype.kind in "biufcmMUS":
                    return {"$type": "numpy type", "dtype": dtype.str}
            raise self.refuse(where, v, f" (the NumPy type {v.__name__})")
        if isinstance(v, type):
            name = _name_in("class", v)
            if name is None:
                raise self.refuse(where, v, f" (the class {v.__module__}.{v.__qualname__})")
            return {"$type": "class", "name": name}
        name = _name_in("function", v)
        if name is not None:
            return {"$type": "function", "name": name}
        if id(v) in self._memo:
            return {"$ref": self._memo[id(v)]}
        name = _name_in("net", kind)
        if name is not None:
            return self._net(v, name, where)
        name = _name_in("module", kind)
        if name is not None:
            return self._module(v, name, where)
        name = _estimator_name(v)
        if name is not None:
            return self._estimator(v, name, where)
        name = _name_in("object", kind)
        if name is not None:
            return self._object(v, name, where)
        if isinstance(v, torch.nn.Module):
            raise self.refuse(where, v, " (a torch module the format does not rebuild)")
        raise self.refuse(where, v)

    def _items(self, mapping, where):
        return [
            [self.encode(k, f"{where} key"), self.encode(x, f"{where}[{k!r}]")]
            for k, x in mapping.items()
        ]

    def _checked(self, spec, value, where):
        """``spec``, after checking that it rebuilds ``value`` exactly."""
        try:
            rebuilt = _Reader({}).decode(spec)
        except Exception as exc:  # any failure means: the value cannot be stored
            raise self.refuse(where, value, f" ({value!r} does not rebuild: {exc})") from None
        if not _same_pandas(rebuilt, value):
            raise self.refuse(where, value, f" ({value!r} does not rebuild exactly)")
        return spec

    def _tensor(self, t, where):
        key = self._key("t")
        self._store(key, t)
        return {
            "$type": "tensor",
            "key": key,
            "device": str(t.device),
            "requires_grad": bool(t.requires_grad),
        }

    def _array(self, a, where):
        dtype = a.dtype
        spec = {"$type": "ndarray", "dtype": dtype.str, "shape": list(a.shape)}
        if a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous:
            spec["order"] = "F"
        if dtype.kind == "O":
            flat = a.ravel()
            spec["items"] = [self.encode(x, f"{where}[{i}]") for i, x in enumerate(flat)]
            return spec
        if dtype.kind in "US":
            spec["items"] = self.encode(a.ravel().tolist(), where)
            return spec
        if dtype.kind not in "biufmM" or (dtype.kind == "f" and dtype.itemsize > 8):
            raise self.refuse(where, a, f" of dtype {dtype}")
        base = a.view(np.int64) if dtype.kind in "mM" else a
        if not base.dtype.isnative:
            base = base.astype(base.dtype.newbyteorder("="))
        # small arrays of finite values as JSON numbers (exact: floats print in full);
        # the rest, NaN payloads included, as raw bytes in the safetensors part
        if base.size <= _INLINE_MAX and (dtype.kind != "f" or np.isfinite(base).all()):
            spec["data"] = base.ravel().tolist()
            return spec
        key = self._key("a")
        raw = np.ascontiguousarray(base).view(_tensor_storage(base.dtype))
        self.tensors[key] = torch.from_numpy(raw.copy())
        spec["tensor"] = key
        return spec

    def _np_scalar(self, v, where):
        dtype = v.dtype
        spec = {"$type": "np.scalar", "dtype": dtype.str}
        if dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize <= 8):
            spec["value"] = self.encode(v.item(), where)
        elif dtype.kind in "mM":
            spec["value"] = int(np.asarray(v).view(np.int64))
        elif dtype.kind in "US":
            spec["value"] = self.encode(v.item(), where)
        else:
            raise self.refuse(where, v, f" of dtype {dtype}")
        return spec

    def _np_dtype(self, dtype, where):
        if dtype.fields is not None or dtype.subdtype is not None:
            raise self.refuse(where, dtype, f" (the structured dtype {dtype})")
        return {"$type": "np.dtype", "name": dtype.name, "str": dtype.str}

    def _pd_dtype(self, dtype, where):
        if isinstance(dtype, pd.CategoricalDtype):
            categories = dtype.categories
            return {
                "$type": "pd.CategoricalDtype",
                "categories": None if categories is None else self._index(categories, where),
                "ordered": dtype.ordered,
            }
        if isinstance(dtype, pd.DatetimeTZDtype):
            return {
                "$type": "pd.DatetimeTZDtype",
                "unit": dtype.unit,
                "tz": self._tz(dtype.tz, where),
            }
        if isinstance(dtype, pd.StringDtype):
            spec = {"$type": "pd.StringDtype", "storage": dtype.storage}
            if hasattr(dtype, "na_value"):
                spec["na_value"] = self.encode(dtype.na_value, where)
            return spec
        if isinstance(dtype, pd.ArrowDtype):
            raise self.refuse(where, dtype, f" (the pyarrow dtype {dtype})")
        # the masked and the other registered dtypes, by name: Int64, boolean, Float64,
        # period[M], interval[int64, right], ...
        return {"$type": "pd.dtype", "name": str(dtype)}

    def _timestamp(self, ts, where):
        utc = ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts
        return {
            "$type": "pd.Timestamp",
            "iso": utc.isoformat(),
            "unit": ts.unit,
            "tz": None if ts.tz is None else self._tz(ts.tz, where),
        }

    def _index(self, index, where):
        if isinstance(index, pd.MultiIndex):
            raise self.refuse(where, index)
        name = self.encode(index.name, where)
        if type(index) is pd.RangeIndex:
            return {
                "$type": "pd.RangeIndex",
                "items": [index.start, index.stop, index.step],
                "name": name,
            }
        return {
            "$type": "pd.Index",
            "dtype": self.encode(index.dtype, where),
            "values": [self.encode(x, f"{where}[{i}]") for i, x in enumerate(index.tolist())],
            "name": name,
        }

    def _tz(self, tz, where):
        if isinstance(tz, zoneinfo.ZoneInfo) and tz.key is not None:
            return {"$type": "tz", "zoneinfo": tz.key}
        if isinstance(tz, _dt.timezone):
            if tz is _dt.timezone.utc:
                return {"$type": "tz", "utc": True}
            offset = tz.utcoffset(None)
            return {
                "$type": "tz",
                "offset": [offset.days, offset.seconds, offset.microseconds],
                "name": tz.tzname(None),
            }
        zone = getattr(tz, "zone", None)
        if type(tz).__module__.split(".")[0] == "pytz" and isinstance(zone, str):
            return {"$type": "tz", "pytz": zone}
        raise self.refuse(where, tz, " (a time zone)")

    # -- objects --
    def _estimator(self, est, name, where):
        ref = self._register(est)
        params, fitted = self._estimator_parts(est, name)
        return {
            "$type": "estimator",
            "$id": ref,
            "class": name,
            "params": self.encode(params, f"{where}.params"),
            "fitted": self.encode(fitted, where),
        }

    def _object(self, obj, name, where):
        ref = self._register(obj)
        spec = {"$type": "object", "$id": ref, "class": name}
        if isinstance(obj, (tuple, list)):
            spec["items"] = self.encode(list(obj), where)
        state = dict(getattr(obj, "__dict__", {}))
        if _is_callback(obj):
            # fitted state of callbacks is restored after the net's initialize()
            state = {k: v for k, v in state.items() if not k.endswith("_")}
        for attr in _data_attributes(name, obj):
            if attr in state:
                state[attr] = None
        spec["state"] = self.encode(state, where)
        return spec

    def _module(self, module, name, where):
        derive = _DERIVED_INIT_ARGS.get(name)
        args = derive(module) if derive is not None else module.__dict__.get("_init_args")
        if args is None:
            raise self.refuse(where, module, " (a module that did not record its arguments)")
        ref = self._register(module)
        spec = {"$type": "module", "$id": ref, "class": name}
        self._in_args += 1
        try:
            spec["args"] = self.encode(dict(args), f"{where}._init_args")
        finally:
            self._in_args -= 1
        if self._in_args:
            return spec  # a part of a module whose weights are stored with it
        prefix = f"m{ref}"
        state = module.state_dict()
        for key, tensor in state.items():
            self._store(f"{prefix}.{key}", tensor)
        devices = [t.device for t in state.values()]
        spec["state"] = prefix
        spec["device"] = str(devices[0]) if devices else "cpu"
        spec["training"] = [n for n, m in module.named_modules() if m.training]
        spec["frozen"] = [n for n, p in module.named_parameters() if not p.requires_grad]
        return spec

    def _net(self, net, name, where):
        ref = self._register(net)
        params = {
            k: v for k, v in vars(net).items() if not k.endswith("_") and not k.startswith("_")
        }
        spec = {
            "$type": "net",
            "$id": ref,
            "class": name,
            "params": self.encode(params, f"{where}.params"),
        }
        if not getattr(net, "initialized_", False):
            return spec
        names = [*net._modules, *net._criteria]
        spec["modules"] = {n: self.encode(getattr(net, n + "_"), f"{where}.{n}_") for n in names}
        spec["optimizers"] = {
            n: self._optimizer(getattr(net, n + "_"), f"{where}.{n}_") for n in net._optimizers
        }
        spec["history"] = self.encode(net.history_, f"{where}.history_")
        spec["callbacks"] = {
            cb_name: self.encode(
                {k: v for k, v in vars(cb).items() if k.endswith("_") and not _is_state_dict(v)},
                f"{where}.callbacks_[{cb_name!r}]",
            )
            for cb_name, cb in net.callbacks_
        }
        private = {
            k: v for k, v in vars(net).items() if k.startswith("_") and k not in _NET_REBUILT
        }
        spec["private"] = self.encode(private, where)
        return spec

    def _optimizer(self, optimizer, where):
        state_dict = optimizer.state_dict()
        state = {}
        for pid, values in state_dict["state"].items():
            state[str(pid)] = self.encode(values, f"{where}.state[{pid}]")
        return {
            "class": self.encode(type(optimizer), where),
            "state": state,
            "param_groups": self.encode(state_dict["param_groups"], f"{where}.param_groups"),
        }


def _tensor_storage(dtype: np.dtype) -> np.dtype:
    """The dtype a native numeric array is stored with in the safetensors part: wider
    unsigned integers as the signed integers of their size (the same bytes; torch
    before 2.3 has no uint16/32/64)."""
    if dtype.kind == "u" and dtype.itemsize > 1:
        return np.dtype(f"i{dtype.itemsize}")
    return dtype


def _same_pandas(a, b) -> bool:
    """Exact equality of rebuilt pandas values (dtypes, indexes, timestamps)."""
    if type(a) is not type(b):
        return False
    if isinstance(b, pd.Index):
        return bool(a.equals(b)) and a.dtype == b.dtype and _same_name(a.name, b.name)
    if isinstance(b, pd.Timestamp):
        return a == b and a.unit == b.unit and str(a.tz) == str(b.tz)
    if isinstance(b, pd.Timedelta):
        return a == b and a.unit == b.unit
    if isinstance(b, pd.CategoricalDtype):
        if (a.categories is None) != (b.categories is None):
            return False
        cats = a.categories is None or _same_pandas(a.categories, b.categories)
        return cats and a.ordered == b.ordered
    return bool(a == b) and str(a) == str(b)


def _same_name(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


# --- reading --------------------------------------------------------------------------
class _Damaged(ValueError):
    pass


def _no_class_attributes(obj, keys, what: str) -> None:
    """Refuse instance attributes that would hide an attribute of the class.

    A crafted file could otherwise set, say, ``transform`` on an estimator to one of the
    functions the format rebuilds, hiding the method.
    """
    for key in keys:
        if not isinstance(key, str):
            raise _Damaged(f"the {what} of a {type(obj).__name__} has a key {key!r}")
        if hasattr(type(obj), key):
            raise _Damaged(
                f"the {what} of a {type(obj).__name__} set {key!r}, an attribute of the "
                "class (a method or property), which a saved model never holds"
            )


class _Reader:
    """Rebuilds objects from the manifest's plain data and the loaded tensors."""

    def __init__(self, tensors: dict, source: str = "the file"):
        self.tensors = tensors
        self.source = source
        self.objects: dict[int, object] = {}
        self.mapped_devices: set[str] = set()

    def refuse(self, kind: str, name) -> ValueError:
        return ValueError(
            f"{self.source} names the {kind} {name!r}, which sklearn-ganae does not "
            "rebuild from a model file; refusing to load it. A model file may only hold "
            "the package's estimators, the scikit-learn estimators of scikit-learn's "
            "public modules, and the plain objects they are made of."
        )

    def device(self, device: str) -> str:
        """``device``, or ``"cpu"`` for a CUDA device where CUDA is not available."""
        device = str(device)
        if device.startswith("cuda") and not torch.cuda.is_available():
            self.mapped_devices.add(device)
            return "cpu"
        return device

    def lookup(self, kind: str, name):
        obj = _table(kind)["by_name"].get(name) if isinstance(name, str) else None
        if obj is None:
            raise self.refuse(
                {"net": "net class", "function": "function"}.get(kind, "class"), name
            )
        return obj

    def estimator_class(self, name):
        cls = _table("estimator")["by_name"].get(name) if isinstance(name, str) else None
        if cls is None and isinstance(name, str):
            cls = _sklearn_class(name)
        if cls is None:
            raise self.refuse("estimator class", name)
        return cls

    # -- the estimator --
    def root(self, manifest: dict):
        cls = self.estimator_class(_class_name(manifest))
        params = self.decode(manifest["params"])
        est = self._construct(cls, params)
        self.objects[0] = est
        fitted = {}
        if manifest.get("encoder") is not None:
            fitted["encoder_"] = self.decode(manifest["encoder"])
        fitted.update(self.decode(manifest["fitted"]))
        self._set_fitted(est, fitted)
        return est

    def _construct(self, cls, params):
        if not isinstance(params, dict):
            raise _Damaged("the parameters are not a mapping")
        # a parameter added after the file was written takes the value that does what
        # the version that wrote it did (the class's ``_params_before``)
        params = {**getattr(cls, "_params_before", {}), **params}
        try:
            return cls(**params)
        except TypeError as exc:
            raise ValueError(
                f"{self.source} holds a {cls.__name__} whose parameters "
                f"{sorted(params)} do not match this version's {cls.__name__} ({exc}). "
                "Load it with the version of the library that saved it."
            ) from None

    def _set_fitted(self, est, fitted):
        if not isinstance(fitted, dict):
            raise _Damaged("the fitted attributes are not a mapping")
        if isinstance(fitted.get("device_"), str):
            fitted["device_"] = self.device(fitted["device_"])
        _no_class_attributes(est, fitted, "fitted attributes")
        vars(est).update(fitted)

    # -- values --
    def decode(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.decode(x) for x in v]
        if not isinstance(v, dict):
            raise _Damaged(f"unexpected value {v!r}")
        if "$ref" in v:
            try:
                return self.objects[v["$ref"]]
            except (KeyError, TypeError):
                raise _Damaged(f"a reference to an unknown object {v['$ref']!r}") from None
        kind = v.get("$type")
        if kind is None:
            return {k: self.decode(x) for k, x in v.items()}
        method = _DECODERS.get(kind)
        if method is None:
            raise self.refuse("value type", kind)
        return method(self, v)

    def _float(self, v):
        value = v["value"]
        if value not in ("nan", "inf", "-inf"):
            raise _Damaged(f"the float {value!r}")
        return float(value)

    def _tuple(self, v):
        return tuple(self.decode(v["items"]))

    def _dict(self, v):
        return {self.decode(k): self.decode(x) for k, x in v["items"]}

    def _odict(self, v):
        return collections.OrderedDict((self.decode(k), self.decode(x)) for k, x in v["items"])

    def _set(self, v):
        return set(self.decode(v["items"]))

    def _frozenset(self, v):
        return frozenset(self.decode(v["items"]))

    def _bytes(self, v):
        return base64.b64decode(v["base64"], validate=True)

    def _slice(self, v):
        return slice(*self.decode(v["items"]))

    def _path(self, v):
        if type(v.get("value")) is not str:
            raise _Damaged("a path")
        return Path(v["value"])

    def _stored(self, key):
        try:
            return self.tensors[key]
        except (KeyError, TypeError):
            raise _Damaged(f"the tensor {key!r} is missing from {WEIGHTS}") from None

    def _tensor(self, v):
        tensor = self._stored(v["key"]).to(self.device(v.get("device", "cpu")))
        if v.get("requires_grad"):
            tensor.requires_grad_(True)
        return tensor

    def _array(self, v):
        dtype = np.dtype(v["dtype"])
        shape = tuple(int(s) for s in v["shape"])
        if dtype.kind == "O":
            items = self.decode(v["items"])
            out = np.empty(len(items), dtype=object)
            for i, item in enumerate(items):
                out[i] = item
            out = out.reshape(shape)
        elif dtype.kind in "US":
            out = np.array(self.decode(v["items"]), dtype=dtype).reshape(shape)
        elif dtype.kind in "biufmM":
            storage = np.dtype(np.int64) if dtype.kind in "mM" else dtype.newbyteorder("=")
            if "tensor" in v:
                out = self._stored(v["tensor"]).numpy()
                if out.dtype != _tensor_storage(storage):
                    raise _Damaged(f"the array {v['tensor']!r} has dtype {out.dtype}")
                out = out.view(storage)
            else:
                out = np.array(v["data"], dtype=storage)
            out = out.reshape(shape)
            if dtype.kind in "mM":
                out = out.view(dtype)
            elif out.dtype != dtype:
                out = out.astype(dtype)
        else:
            raise self.refuse("array dtype", v["dtype"])
        if v.get("order") == "F":
            out = np.asfortranarray(out)
        return out

    def _np_scalar(self, v):
        dtype = np.dtype(v["dtype"])
        if dtype.kind in "mM":
            return np.array(int(v["value"]), dtype=np.int64).view(dtype)[()]
        if dtype.kind not in "biufUS":
            raise self.refuse("scalar dtype", v["dtype"])
        return dtype.type(self.decode(v["value"]))

    def _np_dtype(self, v):
        dtype = np.dtype(v["str"])
        if dtype.fields is not None:
            raise self.refuse("dtype", v["str"])
        return dtype

    def _categorical_dtype(self, v):
        categories = None if v["categories"] is None else self.decode(v["categories"])
        return pd.CategoricalDtype(categories, ordered=v["ordered"])

    def _datetime_tz_dtype(self, v):
        return pd.DatetimeTZDtype(unit=v["unit"], tz=self.decode(v["tz"]))

    def _string_dtype(self, v):
        storage = str(v["storage"])
        kwargs = {"na_value": self.decode(v["na_value"])} if "na_value" in v else {}
        try:
            return pd.StringDtype(storage, **kwargs)
        except ImportError:  # "pyarrow" storage where pyarrow is not installed
            return pd.StringDtype("python", **kwargs)
        except TypeError:  # pandas without na_value
            return pd.StringDtype(storage)

    def _pd_dtype(self, v):
        dtype = pd.api.types.pandas_dtype(str(v["name"]))
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            raise self.refuse("pandas dtype", v["name"])
        return dtype

    def _timestamp(self, v):
        ts = pd.Timestamp(str(v["iso"])).as_unit(v["unit"])
        if v.get("tz") is not None:
            ts = ts.tz_localize("UTC").tz_convert(self.decode(v["tz"]))
        return ts

    def _timedelta(self, v):
        return pd.Timedelta(int(v["value"]), unit="ns").as_unit(v["unit"])

    def _index(self, v):
        return pd.Index(
            self.decode(v["values"]), dtype=self.decode(v["dtype"]), name=self.decode(v["name"])
        )

    def _range_index(self, v):
        start, stop, step = (int(x) for x in v["items"])
        return pd.RangeIndex(start, stop, step, name=self.decode(v["name"]))

    def _datetime(self, v):
        value = _dt.datetime.fromisoformat(str(v["iso"]))
        return value.replace(tzinfo=self.decode(v["tz"]), fold=int(v.get("fold", 0)))

    def _date(self, v):
        return _dt.date.fromisoformat(str(v["iso"]))

    def _timedelta_py(self, v):
        days, seconds, microseconds = (int(x) for x in v["items"])
        return _dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)

    def _tz(self, v):
        if v.get("utc"):
            return _dt.timezone.utc
        if "zoneinfo" in v:
            return zoneinfo.ZoneInfo(str(v["zoneinfo"]))
        if "offset" in v:
            days, seconds, microseconds = (int(x) for x in v["offset"])
            offset = _dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
            return _dt.timezone(offset, str(v["name"]))
        if "pytz" in v:
            try:
                import pytz
            except ImportError:
                return zoneinfo.ZoneInfo(str(v["pytz"]))
            return pytz.timezone(str(v["pytz"]))
        raise _Damaged(f"the time zone {v!r}")

    def _random_state(self, v):
        state = self.decode(v["state"])
        rng = np.random.RandomState()
        rng.set_state(tuple(state))
        return rng

    def _generator(self, v):
        name = v["bit_generator"]
        if name not in _BIT_GENERATORS:
            raise self.refuse("bit generator", name)
        bit_generator = getattr(np.random, name)()
        bit_generator.state = self.decode(v["state"])
        return np.random.Generator(bit_generator)

    def _torch_dtype(self, v):
        dtype = getattr(torch, str(v["name"]), None)
        if not isinstance(dtype, torch.dtype):
            raise self.refuse("torch dtype", v["name"])
        return dtype

    def _torch_device(self, v):
        return torch.device(self.device(v["name"]))

    def _class(self, v):
        return self.lookup("class", v["name"])

    def _builtin_type(self, v):
        cls = _BUILTIN_TYPES.get(v["name"]) if isinstance(v["name"], str) else None
        if cls is None:
            raise self.refuse("type", v["name"])
        return cls

    def _numpy_type(self, v):
        dtype = np.dtype(str(v["dtype"]))
        if dtype.kind not in "biufcmMUS":
            raise self.refuse("NumPy type", v["dtype"])
        return dtype.type

    def _function(self, v):
        return self.lookup("function", v["name"])

    # -- objects --
    def _estimator(self, v):
        cls = self.estimator_class(v["class"])
        est = self._construct(cls, self.decode(v["params"]))
        self.objects[v["$id"]] = est
        self._set_fitted(est, self.decode(v["fitted"]))
        return est

    def _object(self, v):
        cls = self.lookup("object", v["class"])
        if issubclass(cls, tuple):
            obj = tuple.__new__(cls, self.decode(v["items"]))
            self.objects[v["$id"]] = obj
        else:
            obj = cls.__new__(cls)
            self.objects[v["$id"]] = obj
            if issubclass(cls, list):
                list.extend(obj, self.decode(v["items"]))
        state = self.decode(v["state"])
        if not isinstance(state, dict):
            raise _Damaged(f"the state of a {cls.__name__}")
        if state:
            _no_class_attributes(obj, state, "state")
            obj.__dict__.update(state)
        return obj

    def _module(self, v):
        cls = self.lookup("module", v["class"])
        args = self.decode(v["args"])
        if not isinstance(args, dict):
            raise _Damaged(f"the arguments of a {cls.__name__}")
        with torch.random.fork_rng(devices=[]):  # random initial weights, replaced
            module = self._build(cls, args)
        self.objects[v["$id"]] = module
        if "state" not in v:
            return module
        prefix = v["state"] + "."
        state = {k[len(prefix) :]: t for k, t in self.tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise ValueError(
                f"{self.source}: the weights of its {cls.__name__} do not fit the network "
                f"this version of sklearn-ganae builds from its arguments ({exc}). Load it "
                "with the version of sklearn-ganae that saved it."
            ) from None
        training, frozen = set(v["training"]), set(v["frozen"])
        for name, sub in module.named_modules():
            sub.training = name in training
        for name, param in module.named_parameters():
            param.requires_grad_(name not in frozen)
        return module.to(self.device(v["device"]))

    def _net(self, v):
        cls = self.lookup("net", v["class"])
        params = self.decode(v["params"])
        if not isinstance(params, dict):
            raise _Damaged("the parameters of a net")
        if "device" in params:
            params["device"] = self.device(params["device"])
        net = self._build(cls, params)
        self.objects[v["$id"]] = net
        if "modules" not in v:
            return net
        net.initialize()
        replaced = False
        for name, spec in v["modules"].items():
            module = self.decode(spec)
            if getattr(net, name + "_") is not module:  # the net built its own: use ours
                setattr(net, name + "_", module.to(net.device))
                replaced = True
        if replaced:  # optimizers over the parameters of the modules in place
            net.initialize_optimizer()
        for name, spec in v["optimizers"].items():
            self._load_optimizer(getattr(net, name + "_"), spec)
        net.history_ = self.decode(v["history"])
        callbacks = dict(net.callbacks_)
        for name, state in v["callbacks"].items():
            if name in callbacks:
                state = self.decode(state)
                if not isinstance(state, dict):
                    raise _Damaged(f"the state of the callback {name!r}")
                _no_class_attributes(callbacks[name], state, "state")
                vars(callbacks[name]).update(state)
        private = self.decode(v["private"])
        if not isinstance(private, dict):
            raise _Damaged("the private attributes of a net")
        _no_class_attributes(net, private, "private attributes")
        for key, value in private.items():
            if isinstance(value, torch.Tensor):
                value = value.to(net.device)
            setattr(net, key, value)
        return net

    def _build(self, cls, kwargs):
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(
                f"{self.source} holds a {cls.__name__} built with the arguments "
                f"{sorted(kwargs)}, which this version's {cls.__name__} does not take "
                f"({exc}). Load it with the version of sklearn-ganae that saved it."
            ) from None

    def _load_optimizer(self, optimizer, spec):
        if type(optimizer) is not self.decode(spec["class"]):
            raise _Damaged(f"the optimizer {type(optimizer).__name__}")
        state = {int(k): self.decode(x) for k, x in spec["state"].items()}
        optimizer.load_state_dict(
            {"state": state, "param_groups": self.decode(spec["param_groups"])}
        )


_DECODERS = {
    "float": _Reader._float,
    "tuple": _Reader._tuple,
    "dict": _Reader._dict,
    "odict": _Reader._odict,
    "set": _Reader._set,
    "frozenset": _Reader._frozenset,
    "bytes": _Reader._bytes,
    "slice": _Reader._slice,
    "path": _Reader._path,
    "tensor": _Reader._tensor,
    "ndarray": _Reader._array,
    "np.scalar": _Reader._np_scalar,
    "np.dtype": _Reader._np_dtype,
    "pd.CategoricalDtype": _Reader._categorical_dtype,
    "pd.DatetimeTZDtype": _Reader._datetime_tz_dtype,
    "pd.StringDtype": _Reader._string_dtype,
    "pd.dtype": _Reader._pd_dtype,
    "pd.NA": lambda self, v: pd.NA,
    "pd.NaT": lambda self, v: pd.NaT,
    "pd.Timestamp": _Reader._timestamp,
    "pd.Timedelta": _Reader._timedelta,
    "pd.Index": _Reader._index,
    "pd.RangeIndex": _Reader._range_index,
    "datetime": _Reader._datetime,
    "date": _Reader._date,
    "timedelta": _Reader._timedelta_py,
    "tz": _Reader._tz,
    "RandomState": _Reader._random_state,
    "Generator": _Reader._generator,
    "torch.dtype": _Reader._torch_dtype,
    "torch.device": _Reader._torch_device,
    "class": _Reader._class,
    "builtin type": _Reader._builtin_type,
    "numpy type": _Reader._numpy_type,
    "function": _Reader._function,
    "estimator": _Reader._estimator,
    "object": _Reader._object,
    "module": _Reader._module,
    "net": _Reader._net,
}


def _class_name(manifest: dict) -> str:
    est = manifest.get("estimator")
    if not isinstance(est, dict) or not isinstance(est.get("name"), str):
        raise _Damaged("the manifest does not name the estimator's class")
    return f"{est.get('module')}.{est['name']}"


# --- files ----------------------------------------------------------------------------
def _check_target(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory; pass the path of the file to write.")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} exists already; pass overwrite=True to replace it, or another path."
        )
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(
            f"Cannot write {path}: the directory {parent} does not exist; create it first."
        )


def _file_mode(path: Path) -> int:
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomic(path: Path, members: list[tuple[str, bytes, int]], overwrite: bool) -> None:
    """Write the archive to a temporary file beside ``path``, then move it there."""
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w") as archive:
                for name, data, compression in members:
                    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                    info.compress_type = compression
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails when the path exists: never replaces a file
        except FileExistsError:
            raise FileExistsError(
                f"{path} was created while the model was being written; pass "
                "overwrite=True to replace it, or another path."
            ) from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise FileExistsError(f"{path} exists already; pass overwrite=True.") from None
            os.replace(tmp, path)
            return
        os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_manifest(archive: zipfile.ZipFile, source: str) -> dict:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise ValueError(
            f"{source} is a zip archive without {MANIFEST}: it is not a model written by "
            "sklearn_ganae.save."
        ) from None
    if info.file_size > _MAX_MEMBER_BYTES:
        raise ValueError(f"{source}: its {MANIFEST} is too large ({info.file_size:,} bytes).")
    try:
        manifest = json.loads(archive.read(info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{source}: its {MANIFEST} cannot be read ({exc}).") from None
    except RecursionError:
        raise ValueError(
            f"{source}: its {MANIFEST} cannot be read (it is nested too deeply); it was not "
            "written by sklearn_ganae.save."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(
            f"{source} is not a sklearn-ganae model file: its {MANIFEST} gives the format "
            f"{found!r}, not {FORMAT!r}."
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{source}: its format version {version!r} is not valid.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{source} was written in version {version} of the sklearn-ganae model format, "
            f"newer than this version of sklearn-ganae reads (up to {FORMAT_VERSION}). "
            "Upgrade sklearn-ganae to load it."
        )
    return manifest


def _warn_versions(saved: dict, source: str) -> None:
    if not isinstance(saved, dict):
        return
    current = _versions()
    changed = [
        f"{name} {saved[name]} (installed: {current[name]})"
        for name in current
        if name != "python"
        and name in saved
        and _major_minor(saved[name]) != _major_minor(current[name])
    ]
    if changed:
        warnings.warn(
            f"{source} was saved with other versions: {', '.join(changed)}. The model "
            "is rebuilt from plain data and weights, but a fitted attribute whose "
            "meaning changed between versions can make it behave differently; check its "
            "outputs, or refit it with the versions installed.",
            ModelVersionWarning,
            stacklevel=3,
        )


# --- the public functions -------------------------------------------------------------
def save(estimator, path, *, overwrite: bool = False) -> Path:
    """Save an estimator of sklearn-ganae to a file, without pickle.

    The file is a zip archive of ``manifest.json`` (the class, the parameters, the
    library versions, the encoder's fitted state and every other fitted attribute, as
    plain data) and ``weights.safetensors`` (the networks' weights and optimizer
    state, and the larger numeric arrays). It holds no code and no training rows, and
    :func:`load` rebuilds the estimator from it without running anything that comes
    from the file.

    Parameters
    ----------
    estimator : estimator
        A :class:`TabularEncoder`, :class:`AutoencoderTransformer`,
        :class:`VAETransformer`, :class:`GANSampler`, :class:`AEAugmenter` or
        :class:`AugmentedClassifier`, fitted or not. Estimators they hold (an
        augmenter's autoencoder, a wrapped classifier) are saved with them: those
        of the package, and scikit-learn estimators whose fitted state is plain
        data (numbers, strings, arrays), such as
        :class:`~sklearn.linear_model.LogisticRegression` or
        :class:`~sklearn.decomposition.PCA`. Others (trees, ensembles, nearest
        neighbours with a search tree) are refused with a ``TypeError``: save them
        with pickle, joblib or skops.
    path : str or path-like
        The file to write. Its directory must exist.
    overwrite : bool, default=False
        Replace ``path`` when it exists (else a ``FileExistsError``). The file is
        written beside ``path`` under a temporary name and moved into place when
        complete, so ``path`` is never left half-written.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite=False``.
    TypeError
        The estimator is not one of the package's, or holds an object the format
        cannot store (the message says which attribute).

    See Also
    --------
    load : Rebuild the estimator from the file.

    Notes
    -----
    Saving the same fitted model twice gives the same bytes. Pickle still works and
    keeps working; this format is for models to share or keep: it loads across
    library versions (with a ``ModelVersionWarning`` when the major or minor
    version of the package or of a library differs) and cannot run code on load.
    The models keep the category levels of the training table (its schema), the
    per-column statistics the encoding needs (minimum, maximum, median, quantiles
    with ``continuous_transform="quantile"``) and 64-bit hashes of identifiers and
    rare categories, as a pickle does.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklearn_ganae import AutoencoderTransformer, load, save
    >>> from sklearn_ganae.datasets import load_penguins
    >>> X = load_penguins().drop(columns="species")
    >>> ae = AutoencoderTransformer(hidden_layer_sizes=(16,), max_epochs=2, random_state=0)
    >>> _ = ae.fit(X)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save(ae, Path(tmp) / "penguins-ae.ganae")
    ...     loaded = load(path)
    >>> np.array_equal(loaded.transform(X), ae.transform(X))
    True
    """
    path = Path(os.fspath(path))
    _check_target(path, overwrite)
    writer = _Writer()
    try:
        body = writer.root(estimator)
    except _Refused as exc:
        raise TypeError(str(exc)) from None
    cls = type(estimator)
    public = _name_in("estimator", cls)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": {"module": public.rpartition(".")[0], "name": public.rpartition(".")[2]},
        "versions": _versions(),
        "device": body.pop("device"),
        **body,
    }
    from safetensors.torch import save as save_tensors

    try:
        text = json.dumps(manifest, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        manifest_bytes = text.encode("utf-8")
    except UnicodeEncodeError:  # strings that are not valid Unicode: escaped
        text = json.dumps(manifest, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        manifest_bytes = text.encode("ascii")
    # one metadata entry: safetensors writes several in a random order
    weights = save_tensors(writer.tensors, metadata={"format": f"{FORMAT}/{FORMAT_VERSION}"})
    _write_atomic(
        path,
        [(MANIFEST, manifest_bytes, zipfile.ZIP_DEFLATED), (WEIGHTS, weights, zipfile.ZIP_STORED)],
        overwrite,
    )
    return path


def load(path, *, expected=None):
    """Load an estimator saved with :func:`save`.

    Only the classes that make up the package's estimators (and the public
    scikit-learn estimators whose state is plain data) are rebuilt; a file naming any
    other class is refused, so loading runs no code that comes from the file. The
    weights are mapped to the CPU when the model was saved on a CUDA device and none
    is available (``device_`` then says ``"cpu"``).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    expected : class or tuple of classes, default=None
        Refuse (``ValueError``) a file whose estimator is not an instance of these,
        e.g. ``expected=GANSampler``, before anything is rebuilt.

    Returns
    -------
    estimator : estimator
        The estimator, fitted as it was saved: it transforms, inverse-transforms,
        scores and samples as the saved one did (bit for bit on the CPU), continues
        its sampling stream where it was, and can go on training with
        ``warm_start=True``.

    Raises
    ------
    ValueError
        The file is not a zip archive, has no manifest, is of another format or of a
        newer format version, holds a class the format does not rebuild, or holds
        an estimator that is not ``expected``.

    Warns
    -----
    sklearn_ganae._persistence.ModelVersionWarning
        A ``UserWarning``: the file was saved with another major or minor version
        of sklearn-ganae, torch, NumPy, pandas, scikit-learn, skorch or safetensors.

    See Also
    --------
    save : Write an estimator to a file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_ganae import VAETransformer, load, save
    >>> from sklearn_ganae.datasets import load_penguins
    >>> df = load_penguins()
    >>> vae = VAETransformer(hidden_layer_sizes=(16,), max_epochs=2, random_state=0)
    >>> _ = vae.fit(df)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save(vae, Path(tmp) / "penguins-vae.ganae")
    ...     loaded = load(path, expected=VAETransformer)
    >>> loaded.sample(5, random_state=0).equals(vae.sample(5, random_state=0))
    True
    >>> loaded.sample(3).equals(vae.sample(3))  # the sampling stream goes on alike
    True
    """
    if expected is not None:
        classes = expected if isinstance(expected, tuple) else (expected,)
        if not classes or not all(isinstance(c, type) for c in classes):
            raise TypeError(
                f"expected must be a class or a tuple of classes, e.g. expected=GANSampler; "
                f"got {expected!r}."
            )
    path = Path(os.fspath(path))
    source = str(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a model file.")
    if not path.exists():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(
            f"{source} is not a sklearn-ganae model file: it is not a zip archive. "
            "(A pickled model loads with pickle or joblib, from a source you trust.)"
        ) from None
    from safetensors import SafetensorError
    from safetensors.torch import load as load_tensors

    with archive:
        manifest = _read_manifest(archive, source)
        reader = _Reader({}, source)
        try:
            cls = reader.estimator_class(_class_name(manifest))
        except _Damaged as exc:
            raise ValueError(f"{source} is damaged: {exc}.") from None
        if _name_in("estimator", cls) is None:
            raise reader.refuse("estimator class", _class_name(manifest))
        if expected is not None and not issubclass(cls, classes):
            wanted = " or ".join(c.__name__ for c in classes)
            raise ValueError(
                f"{source} holds an estimator of class {cls.__name__}, not {wanted} "
                f"(expected={expected!r})."
            )
        _warn_versions(manifest.get("versions"), source)
        tensors = {}
        if WEIGHTS in archive.namelist():
            info = archive.getinfo(WEIGHTS)
            if info.file_size > _MAX_MEMBER_BYTES:
                raise ValueError(f"{source}: its {WEIGHTS} is too large.")
            try:
                tensors = load_tensors(archive.read(info))
            except (SafetensorError, zipfile.BadZipFile, OSError) as exc:
                raise ValueError(f"{source}: its {WEIGHTS} cannot be read ({exc}).") from None
    reader.tensors = tensors
    try:
        with torch.random.fork_rng(devices=[]):
            estimator = reader.root(manifest)
    except (_Damaged, KeyError, IndexError, AttributeError, TypeError, RecursionError) as exc:
        raise ValueError(
            f"{source} is damaged or was not written by sklearn_ganae.save: {exc!r}."
        ) from exc
    if reader.mapped_devices:
        warnings.warn(
            f"{source} was saved on {', '.join(sorted(reader.mapped_devices))}, which is "
            "not available here: the model was loaded on the CPU (device_='cpu').",
            UserWarning,
            stacklevel=2,
        )
    return estimator

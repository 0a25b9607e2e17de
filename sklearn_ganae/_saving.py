"""``save`` and ``load`` as estimator methods, without importing torch up front.

The pickle-free format lives in :mod:`sklearn_ganae._persistence` (which needs torch
and safetensors); this mixin imports it only when a method is called, so that the
encoder and the metrics stay importable without torch.
"""

from __future__ import annotations


class PersistenceMixin:
    """``est.save(path)`` and ``Class.load(path)``: the pickle-free format as methods;
    and old pickles and model files load with the parameters a class gained since
    (``_params_before``)."""

    #: parameters added after the class's first version, with the value that does what
    #: a model saved before them did: a pickle (``__setstate__``) or a model file
    #: (``_persistence._construct``) without them gets it
    _params_before: dict = {}

    def __setstate__(self, state):
        for name, value in self._params_before.items():
            state.setdefault(name, value)
        super().__setstate__(state)

    def save(self, path, *, overwrite=False):
        """Write the estimator to one file without pickle.

        See :func:`sklearn_ganae.save`.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.
        overwrite : bool, default=False
            Replace an existing file.

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        from sklearn_ganae._persistence import save

        return save(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path):
        """Read an estimator of this class from a file written by :meth:`save`.

        See :func:`sklearn_ganae.load`; a file holding another class is refused.

        Parameters
        ----------
        path : str or os.PathLike
            The file to read.

        Returns
        -------
        estimator : object
            The fitted estimator, of this class.
        """
        from sklearn_ganae._persistence import load

        return load(path, expected=cls)

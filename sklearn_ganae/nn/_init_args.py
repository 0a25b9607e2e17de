"""Record the constructor arguments of the package's modules.

A module built by a class decorated with :func:`records_init_args` keeps the
arguments it was built with in ``_init_args`` (a dict: parameter name -> value, the
defaults filled in), so that the same architecture can be built again without the
training data, from plain data: :func:`sklearn_ganae.save` stores those arguments
and :func:`sklearn_ganae.load` calls the constructor with them before loading the
weights. Only the decorated class itself records: an instance of a subclass that is
not decorated has no ``_init_args`` (its constructor may take other arguments).
"""

from __future__ import annotations

import functools
import inspect


def records_init_args(cls):
    """Class decorator: instances of ``cls`` keep their constructor arguments.

    Parameters
    ----------
    cls : type
        A :class:`torch.nn.Module` subclass whose ``__init__`` takes named
        parameters only (no ``*args`` or ``**kwargs``).

    Returns
    -------
    cls : type
        The same class, its ``__init__`` wrapped.
    """
    init = cls.__init__
    signature = inspect.signature(init)
    kinds = {p.kind for p in signature.parameters.values()}
    if kinds & {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}:
        raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs.")

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if type(self) is cls:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(signature.parameters)))  # self
            # a plain attribute (not a submodule, parameter or buffer)
            self.__dict__["_init_args"] = arguments

    cls.__init__ = __init__
    return cls

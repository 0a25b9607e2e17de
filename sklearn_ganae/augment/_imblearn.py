"""imbalanced-learn's sampler tags, for a sampler that does not subclass its
``BaseSampler``: the only module of the package that touches imbalanced-learn's
internals."""

# Private API relied on: ``imblearn.utils._tags.InputTags``, ``SamplerTags`` and
# ``Tags``, the dataclasses that imbalanced-learn's own ``BaseSampler.__sklearn_tags__``
# builds (``imblearn.utils`` exports none of them). Why: ``imblearn.base.is_sampler``
# and ``imblearn.utils.estimator_checks`` read ``tags.sampler_tags`` and
# ``tags.input_tags.dataframe``, fields that scikit-learn's slotted ``Tags`` and
# ``InputTags`` cannot hold. (imbalanced-learn's Pipeline only needs ``fit_resample``.)
# Checked with imbalanced-learn 0.14.2, the version installed and pinned in
# constraints.txt (pyproject.toml allows >= 0.13; older versions not checked here).
# Where the import fails (imbalanced-learn not installed, or a version that moved these
# classes), scikit-learn's tags are returned unchanged: the sampler still works, but
# imbalanced-learn's checks and ``is_sampler`` do not see the sampler tags.

from __future__ import annotations

import dataclasses
import functools


@functools.cache
def _imblearn_tag_classes():
    """imbalanced-learn's tag classes, or ``None`` where it is not installed."""
    try:
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
    except ImportError:
        return None
    return InputTags, SamplerTags, Tags


def imblearn_tags(tags):
    """scikit-learn tags as imbalanced-learn's (with ``sampler_tags``) when installed.

    imbalanced-learn's checks and ``is_sampler`` read its own tag fields
    (``sampler_tags``, ``input_tags.dataframe``), which scikit-learn's slotted tag
    classes cannot hold.
    """
    classes = _imblearn_tag_classes()
    if classes is None:
        return tags
    InputTags, SamplerTags, Tags = classes
    fields = {f.name: getattr(tags, f.name) for f in dataclasses.fields(tags)}
    known_inputs = {f.name for f in dataclasses.fields(InputTags)}
    inputs = {
        f.name: getattr(tags.input_tags, f.name)
        for f in dataclasses.fields(tags.input_tags)
        if f.name in known_inputs
    }
    inputs["dataframe"] = True
    fields["input_tags"] = InputTags(**inputs)
    known = {f.name for f in dataclasses.fields(Tags)}
    return Tags(**{k: v for k, v in fields.items() if k in known}, sampler_tags=SamplerTags())

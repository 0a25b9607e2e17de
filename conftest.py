"""Test configuration for the suite and the doctests: one thread for torch and BLAS/OpenMP.

On a 2-core machine a second thread only slows small models down (and makes timing
noise); tests never depend on timing, but the suite's run time does.
"""

import os

import torch
from hypothesis import settings
from threadpoolctl import threadpool_limits

# Property tests draw new examples at every local run (and keep the failing ones in
# .hypothesis/); under CI they draw the same examples on every machine, so that a
# submission's CI run does not depend on the examples of the day.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

torch.set_num_threads(1)
_LIMITS = threadpool_limits(limits=1)

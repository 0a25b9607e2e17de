"""Test configuration for the suite and the doctests: one thread for torch and BLAS/OpenMP.

On a 2-core machine a second thread only slows small models down (and makes timing
noise); tests never depend on timing, but the suite's run time does.
"""

import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
_LIMITS = threadpool_limits(limits=1)

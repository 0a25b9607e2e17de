"""Test configuration: one torch thread (a second one only slows a 2-core machine)."""

import os

import torch

torch.set_num_threads(1)
os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")

"""Detection-based early stopping of :class:`~sklearn_ganae.GANSampler`.

GAN losses do not say when samples are good; a real-versus-synthetic classifier on
held-out rows does. :class:`DetectionEarlyStopping` scores the generator with it
every few epochs, keeps the best generator and stops when it no longer improves.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from skorch.callbacks import Callback

from sklearn_ganae._training import StopTraining
from sklearn_ganae.metrics._detection import detection_auc

# fewer held-out rows make the detection AUC noise (34 rows: uniform garbage 0.64)
MIN_DETECTION_ROWS = 100
# generated rows per check, at least: their side of the AUC's error shrinks with them
_MIN_DETECTION_FAKE = 1_000


def check_detection_rows(n_valid: int, n_rows: int, fraction: float) -> None:
    """Refuse GAN early stopping when the held-out rows are too few to judge by."""
    if n_valid < MIN_DETECTION_ROWS:
        raise ValueError(
            f"early_stopping=True holds out validation_fraction={fraction} of the "
            f"{n_rows} rows, {n_valid} rows, but the detection check needs at least "
            f"{MIN_DETECTION_ROWS} to tell a better generator from noise. Raise "
            "validation_fraction, or train to the end with early_stopping=False."
        )


def auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley and McNeil's (1982) standard error of a ROC AUC."""
    a = min(max(auc, 1e-6), 1 - 1e-6)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
    return math.sqrt(max(var, 0.0))


class DetectionEarlyStopping(Callback):
    """Every ``interval`` epochs, score the generator on held-out rows; keep the best.

    The score is the ROC AUC of a gradient-boosting classifier telling held-out real
    rows from at least 1,000 generated rows, in the encoded space, measured by
    :func:`sklearn_ganae.metrics._detection.detection_auc` (the measure of
    :func:`~sklearn_ganae.metrics.detection_score`: 5-fold cross-validation with equal
    rows kept in one fold): 0.5 means indistinguishable, and an AUC below 0.5 counts as 0.5 (it is
    noise, not a better generator). A check improves on the best only when its AUC
    is lower by more than twice its standard error (Hanley and McNeil), so noise
    does not reset the count. Training stops after ``patience`` checks without
    improvement (by raising :class:`~sklearn_ganae._training.StopTraining`, never
    ``KeyboardInterrupt``). At the end the best generator is restored only when it
    is clearly better than the last one checked (by the same margin); otherwise the
    generator trained longest is kept. ``history`` gets ``valid_detection`` at each
    check. The held-out rows are skorch's validation set (``dataset_valid``), so the
    callback keeps none of them.
    """

    def __init__(self, generate, interval=10, patience=5, seed=0, sink=None):
        self.generate = generate
        self.interval = interval
        self.patience = patience
        self.seed = seed
        self.sink = sink

    def on_train_begin(self, net, **kwargs):
        self.best_score_ = math.inf
        self.best_se_ = 0.0
        self.best_epoch_ = 0
        self.best_state_ = None
        self.last_score_ = None
        self.last_se_ = 0.0
        self.misses_ = 0

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        epoch = len(net.history)
        if dataset_valid is None or epoch % self.interval:
            return
        real = dataset_valid.X.cpu().numpy()
        n_fake = max(len(real), _MIN_DETECTION_FAKE)
        # computed on one process of a data-parallel run and broadcast: every
        # process then takes the same decisions (and none waits for a slower one)
        auc = net.on_first_process(lambda: self._detection_auc(net, dataset_valid, epoch))
        net.history.record("valid_detection", auc)
        score = max(auc, 0.5)
        se = auc_standard_error(score, len(real), n_fake)
        self.last_score_, self.last_se_ = score, se
        if self.best_state_ is None or score < self.best_score_ - 2 * se:
            self.best_score_, self.best_se_, self.best_epoch_ = score, se, epoch
            self.best_state_ = copy.deepcopy(net.get_module().state_dict())
            self.misses_ = 0
        else:
            self.misses_ += 1
        if self.sink is not None:
            self.sink(f"epoch {epoch}: detection AUC {auc:.3f} (+/- {se:.3f})")
        if net.agree_to_stop(self.misses_ >= self.patience):
            if self.sink is not None:
                self.sink(
                    f"Stopping: no clearly better detection AUC for {self.patience} checks "
                    f"(best {self.best_score_:.3f} at epoch {self.best_epoch_})."
                )
            raise StopTraining

    def _detection_auc(self, net, dataset_valid, epoch) -> float:
        real = dataset_valid.X.cpu().numpy()
        labels = None if dataset_valid.y is None else dataset_valid.y.cpu().numpy()
        rng = np.random.RandomState(self.seed + epoch)
        n_fake = max(len(real), _MIN_DETECTION_FAKE)
        fake_labels = None if labels is None else labels[rng.randint(len(labels), size=n_fake)]
        fake = self.generate(net, n_fake, fake_labels, rng)
        # the package's one detection measure (that of quality_report), in the
        # encoded space, with its default classifier and folds
        return detection_auc(real, fake, random_state=rng)

    def on_train_end(self, net, **kwargs):
        restore = (
            self.best_state_ is not None
            and self.last_score_ is not None
            and self.best_score_ < self.last_score_ - 2 * self.last_se_
        )
        if restore:
            net.get_module().load_state_dict(self.best_state_)
            if self.sink is not None:
                self.sink(f"Restoring the generator of epoch {self.best_epoch_}.")
        self.restored_epoch_ = self.best_epoch_ if restore else None
        self.best_state_ = None

"""scikit-learn estimators trained by npgrad: ``MLPClassifier`` and ``MLPRegressor``.

Both are an ``nn.Sequential`` of ``nn.Linear`` layers and activations, trained by an
``nn.optim`` optimizer over ``nn.data.batches`` in the loop of ``base.BaseMLP``; the classifier
minimises ``nn.functional.cross_entropy``, the regressor half the squared error.
"""
from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]

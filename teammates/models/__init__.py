"""Models: specs and prices, usage and cost, the registry, and the embedded local models."""

from teammates.models.install import LocalModelError, install_models
from teammates.models.local_server import ensure_local_server
from teammates.models.registry import ModelSpecError, load_registry, resolve_model
from teammates.models.spec import ModelSpec, Price
from teammates.models.usage import Cost, Usage

__all__ = [
    "Cost",
    "LocalModelError",
    "ModelSpec",
    "ModelSpecError",
    "Price",
    "Usage",
    "ensure_local_server",
    "install_models",
    "load_registry",
    "resolve_model",
]

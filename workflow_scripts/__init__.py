"""Neural-collapse sampling workflow for audio deepfake detection.

Layers follow the data, each importing only the layers before it:
``datasets``/``demo`` -> ``features`` -> ``models`` -> ``training`` ->
``sampling`` -> ``metrics`` -> ``reporting``. Command-line entry points live
at the package top level (``python -m workflow_scripts.<command>``).
"""

__version__ = "0.1.0"

#: Integer label used in caches and tensors. Higher score = more bonafide.
BONAFIDE = 1
SPOOF = 0
LABELS = {"bonafide": BONAFIDE, "spoof": SPOOF}
#: Table label of each integer label.
LABEL_NAMES = {BONAFIDE: "bonafide", SPOOF: "spoof"}


def lazy_exports(package: str, exports: dict[str, str]) -> None:
    """Make subpackage ``package`` re-export ``exports`` (name -> submodule) on first use.

    Each short-lived workflow job then imports only the modules it uses: an
    eager ``from .clusters import ...`` in ``sampling/__init__`` would make every
    sampling command pay for scikit-learn, and one in ``features/__init__``
    would make the cache merge pay for torch. A function named like its module
    (``sampling.full_method``) stays the package attribute when the module is
    imported later, as it was with eager imports.
    """
    import importlib
    import sys
    import types

    module = sys.modules[package]

    def __getattr__(name: str) -> object:
        sub = exports.get(name)
        if sub is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{sub}"), name)
        setattr(module, name, value)
        return value

    class LazyPackage(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if isinstance(value, types.ModuleType) and exports.get(name) == name:
                # the import system binding submodule ``name``: the package keeps the
                # function of that name (loaded now, like an eager import would have)
                value = getattr(value, name)
            super().__setattr__(name, value)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = lambda: sorted(set(exports) | set(vars(module)))  # type: ignore[method-assign]
    module.__class__ = LazyPackage

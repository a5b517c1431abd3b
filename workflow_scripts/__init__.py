"""Neural-collapse sampling workflow for audio deepfake detection.

Subpackages form layers that follow the data; which may import which is written in
docs/architecture.md and checked by tests/test_style.py. Command-line entry points live
at the package top level (``python -m workflow_scripts.<command>``).
"""

__version__ = "0.1.0"

#: Integer label used in caches and tensors. Higher score = more bonafide.
BONAFIDE = 1
SPOOF = 0
LABELS = {"bonafide": BONAFIDE, "spoof": SPOOF}
#: Table label of each integer label.
LABEL_NAMES = {BONAFIDE: "bonafide", SPOOF: "spoof"}

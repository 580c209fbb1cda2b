"""pytest's root configuration: lernpy.torch (and its doctests) needs PyTorch, an optional extra.

Without PyTorch its modules are not collected; tests/test_torch*.py skip and say why.
"""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["lernpy/torch/*.py"]

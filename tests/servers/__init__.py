"""The local servers moved to :mod:`collectors.local_servers` (``roamwatch demo`` runs them
without the test extras). Test modules that import ``tests.servers.<name>`` keep working: each
name is the very same module object as ``collectors.local_servers.<name>``.
"""

import importlib
import sys

for _name in ("base", "apnic", "dgg", "ioda", "ooni", "worldbank"):
    globals()[_name] = sys.modules[f"{__name__}.{_name}"] = importlib.import_module(
        f"collectors.local_servers.{_name}")

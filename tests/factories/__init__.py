"""All factories, importable as `from tests.factories import PartnerFactory`.

Each app keeps its factories in `tests/factories/<app>.py`; every `*Factory` there is re-exported.
Children take their parent's organization, so a test never builds an accidental cross-org graph.
"""

import importlib
import pkgutil

for _module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: (m.name != "pom", m.name)):
    _module = importlib.import_module(f"{__name__}.{_module_info.name}")
    globals().update({k: v for k, v in vars(_module).items() if k.endswith("Factory")})

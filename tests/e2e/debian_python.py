"""Makes sure the running interpreter has a module Debian ships for python3.

ctest runs `python3` from PATH; on machines where that is a pyenv/venv interpreter without
the module, the test re-runs itself under Debian's /usr/bin/python3 (once), where
scripts/setup-deps.sh installed it. Import this before the module in question.
"""
import importlib
import os
import sys


def require(module, package):
    try:
        importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the machine
        sys_py = "/usr/bin/python3"
        if (os.path.exists(sys_py) and os.path.realpath(sys.executable) != os.path.realpath(sys_py)
                and not os.environ.get("VIGIL_E2E_REEXEC")):
            os.environ["VIGIL_E2E_REEXEC"] = "1"
            os.execv(sys_py, [sys_py] + sys.argv)
        sys.exit(f"FAIL: {package} is not installed (scripts/setup-deps.sh test)")

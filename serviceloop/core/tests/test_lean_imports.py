"""Start-up stays lean: no heavy library is imported until a request or a job needs it (issue 16).

Every gunicorn worker, management command, ``run_jobs --once`` and test process imports the URLconf and the
apps; numpy, pandas, SciPy, statsmodels, scikit-learn, openpyxl, WeasyPrint, segno and DuckDB cost seconds
and 150+ MB there. They are imported inside the functions that use them (or by modules only those functions
import). The check runs in a fresh interpreter, since this test process has long imported them all.
"""

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

FORBIDDEN = [
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "sklearn",
    "openpyxl",
    "weasyprint",
    "segno",
    "duckdb",
]

# Runs in the fresh interpreter. A finder first on sys.meta_path is asked about every module the first time
# it is imported, while the importing module's frame is still on the stack: it records who imported whom.
PROBE = r"""
import importlib, importlib.util, json, sys

FORBIDDEN = set(sys.argv[1].split(","))
importer = {}


class WhoImports:
    def find_spec(self, name, path=None, target=None):
        frame = sys._getframe(1)
        while frame is not None:
            caller = frame.f_globals.get("__name__", "")
            if not caller.startswith("importlib"):
                break
            frame = frame.f_back
        importer.setdefault(name, caller if frame is not None else "?")
        return None


sys.meta_path.insert(0, WhoImports())

import django
from django.apps import apps

django.setup()
import config.wsgi  # noqa: the WSGI handler with its middleware, as gunicorn loads it
from django.contrib import admin
from django.core import checks
from django.template.backends.django import get_installed_libraries
from django.urls import get_resolver

admin.autodiscover()
for config in apps.get_app_configs():
    if config.name.startswith("serviceloop."):
        for part in ("apps", "models", "admin", "urls", "views", "forms", "selectors", "services", "api"):
            if importlib.util.find_spec(f"{config.name}.{part}") is not None:
                importlib.import_module(f"{config.name}.{part}")


def walk(patterns):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            walk(p.url_patterns)
        else:
            p.callback


resolver = get_resolver()
walk(resolver.url_patterns)
for status in (400, 403, 404, 500):
    resolver.resolve_error_handler(status)
get_installed_libraries()  # every template tag library
for command in ("check", "run_jobs", "demo"):
    from django.core.management import get_commands, load_command_class

    load_command_class(get_commands()[command], command)
checks.run_checks()  # what manage.py check runs
import serviceloop.analytics.sample_size  # noqa: the wave page's sample size, kept free of numpy


def chain(name):
    out = [name]
    while out[-1] in importer and importer[out[-1]] not in out and len(out) < 60:
        out.append(importer[out[-1]])
    return out


loaded = {m: chain(m) for m in sorted(FORBIDDEN) if m in sys.modules}
print(json.dumps(loaded))
"""


def explain(name: str, chain: list[str]) -> str:
    ours = next((m for m in chain if m.split(".")[0] in {"serviceloop", "config"}), None)
    culprit = f"{ours} imports it at module level" if ours else "imported outside the project's code"
    return f"{name}: {culprit}\n    import chain: {' ← '.join(chain)}"


def test_it_starts_without_the_heavy_libraries():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(FORBIDDEN)],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert not loaded, (
        "Heavy libraries imported at start-up (import them inside the functions that use them):\n"
        + "\n".join(explain(name, chain) for name, chain in loaded.items())
    )


def test_it_names_the_module_that_pulled_a_heavy_library_in():
    # The probe's report on a module that breaks the rule, so its message can be trusted when it fails.
    script = PROBE.replace("django.setup()", "django.setup()\nimport serviceloop.analytics.allocation", 1)
    result = subprocess.run(
        [sys.executable, "-c", script, "numpy"],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "serviceloop.analytics.allocation" in loaded["numpy"][:3]
    assert "serviceloop.analytics.allocation imports it at module level" in explain("numpy", loaded["numpy"])

"""Fails when a view is added without an entry in an access matrix."""

from importlib import import_module
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

OUR_NAMESPACES = {"network", "cases", "billing", "locate", "abuse", "visas", "core"}
OUR_TOP_LEVEL = {"home", "health"}
APPS = ["network", "locate", "cases", "billing", "visas", "abuse", "core"]


def _our_url_names(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _our_url_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            if namespace in OUR_NAMESPACES:
                yield f"{namespace}:{p.name}"
            elif namespace is None and p.name in OUR_TOP_LEVEL:
                yield p.name


def _declared():
    """Every MATRIX in tests/<app>/test_access_matrix*.py."""
    names = set()
    tests_dir = Path(__file__).parent
    for app in APPS:
        for path in sorted((tests_dir / app).glob("test_access_matrix*.py")):
            module = import_module(f"tests.{app}.{path.stem}")
            names |= {entry.url_name for entry in module.MATRIX}
    return names


def test_every_view_has_an_access_matrix_entry():
    missing = sorted(set(_our_url_names()) - _declared())
    assert not missing, f"Views without an access-matrix entry: {missing}"

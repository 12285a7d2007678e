"""Every ``do_*`` in Puente follows the one action contract (puente/core/action_contract.py).

The test walks every module of the ``puente`` package, finds each function whose name starts
with ``do_`` and checks:

- it is defined in its app's ``actions.py`` (or an ``actions/`` package);
- it is wrapped by ``puente.core.action_contract.action`` (atomic, audit actor, permission,
  one refusal type);
- ``acting_user`` is keyword-only, and no positional parameter is a user under another name
  (``user``, ``by``, ``actor``): objects come first;
- the permissions it names exist in ``roles.PERMISSIONS``.
"""

import importlib
import inspect
import pkgutil

import pytest

import puente
from puente.core.action_contract import PUBLIC, SIGNED_IN, is_action
from puente.core.roles import PERMISSIONS

USER_NAMES = {"user", "by", "actor", "acting_user", "request_user"}


def _modules():
    for info in pkgutil.walk_packages(puente.__path__, prefix="puente."):
        name = info.name
        if ".migrations" in name or name.endswith(".manage") or ".management." in name:
            continue
        yield importlib.import_module(name)


def _actions():
    seen = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if not name.startswith("do_") or not callable(obj):
                continue
            fn = inspect.unwrap(obj)
            key = (fn.__module__, fn.__qualname__)
            if key in seen:
                continue
            seen[key] = obj
    return sorted(seen.items())


ACTIONS = _actions()


def test_actions_are_found():
    assert len(ACTIONS) > 50


@pytest.mark.parametrize("key,fn", ACTIONS, ids=[f"{m}.{q}" for (m, q), _ in ACTIONS])
def test_action_follows_the_contract(key, fn):
    module, qualname = key
    problems = []
    if not (module.endswith(".actions") or ".actions." in module):
        problems.append(f"defined in {module}, not in the app's actions.py")
    if not is_action(fn):
        problems.append("not decorated with @action")
    else:
        for perm in fn.__puente_action__["permission"]:
            if perm not in (SIGNED_IN, PUBLIC) and perm not in PERMISSIONS:
                problems.append(f"unknown permission {perm!r}")
    sig = inspect.signature(inspect.unwrap(fn))
    param = sig.parameters.get("acting_user")
    if param is None or param.kind is not inspect.Parameter.KEYWORD_ONLY:
        problems.append("acting_user is not keyword-only")
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in USER_NAMES:
            problems.append(f"positional parameter {p.name!r}: the user is keyword-only acting_user")
    assert not problems, f"{module}.{qualname}: " + "; ".join(problems)

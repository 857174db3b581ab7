"""The root of the test suite: loads Archipel's pytest plugin (tests/plugin.py) whatever
folder pytest is run from (``pytest``, ``pytest tests/unit``, ``cd tests/unit && pytest``)."""

pytest_plugins = ["tests.plugin", "tests.inprocess"]

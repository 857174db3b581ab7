"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.unit.httpsig_support import pem_pair


@pytest.fixture(scope="module")
def alice():
    return pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def alice_new():
    return pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))

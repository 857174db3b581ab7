"""A node's acr/amr requirement on the ID token's claims."""

from __future__ import annotations

import pytest

from fedkit.runtime.config import Config
from services.identity.oidc import SSOError, check_strength

MFA = "urn:archipel:acr:mfa"


@pytest.mark.parametrize(("required_acr", "required_amr", "claims", "ok"), [
    ((), (), {}, True),
    ((MFA,), (), {"acr": MFA}, True),
    ((MFA,), (), {"acr": "urn:archipel:acr:pwd"}, False),
    ((MFA,), (), {}, False),
    ((), ("otp",), {"amr": ["pwd", "otp"]}, True),
    ((), ("otp",), {"amr": ["pwd"]}, False),
    ((), ("otp",), {"amr": "otp"}, False),  # not a list: not trusted
    ((MFA, "urn:other:strong"), ("pwd", "otp"), {"acr": "urn:other:strong", "amr": ["otp", "pwd"]}, True),
])
def test_strength(required_acr, required_amr, claims, ok):
    config = Config(oidc_required_acr=required_acr, oidc_required_amr=required_amr)
    if ok:
        check_strength(config, claims)
    else:
        with pytest.raises(SSOError, match="stronger sign-in"):
            check_strength(config, claims)

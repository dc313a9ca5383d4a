"""Fixtures of the exchange tests: a campaign on the example survey with an exchange."""

from __future__ import annotations

import pytest

from surveys import load_survey
from tests.exchange_survey import with_exchange


@pytest.fixture
def exchange_folder(tmp_path):
    return with_exchange(tmp_path / "exchange_survey")


@pytest.fixture
def exchange_survey(exchange_folder):
    return load_survey(exchange_folder)


@pytest.fixture
def exchange_campaign(make_campaign, exchange_folder):
    """Builder: an open campaign (slug ``debate``) on the example survey with an exchange."""

    def build(slug: str = "debate", **options):
        return make_campaign(slug, survey=exchange_folder, **options)

    return build

"""Large surveys and many of them: loading is linear, the survey list does not reload them.

The loader compared ids with ``list.count`` and ``in`` on lists, and the
codebook asked every page for every item, so a valid 1.9 MB definition took
over a minute to upload; and the survey list kept 32 loaded surveys, so with
more than 32 every view of ``/admin/surveys`` loaded every one again.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

from app.campaigns import library as registry
from app.campaigns import surveys as campaign_surveys
from app.campaigns.uploads import Limits, store_survey_zip
from surveys import EXAMPLE, load_survey
from tests.survey_scale import big_survey
from tests.survey_zips import survey_zip


def _cost(folder, n: int) -> float:
    """CPU seconds of this thread to load a survey of ``n`` items, the least of
    three loads: thread time leaves out the suite's background job threads,
    and the least of three leaves out a collection that happens to fall in one."""
    big_survey(folder, n)
    costs = []
    for _ in range(3):
        started = time.thread_time()
        survey = load_survey(folder)
        for item_id in survey.items:  # what the codebook asks of every item
            survey.phases_of(item_id)
        costs.append(time.thread_time() - started)
    return min(costs)


def test_loading_a_survey_is_linear_in_its_size(tmp_path):
    small, large = _cost(tmp_path / "small", 1500), _cost(tmp_path / "large", 6000)
    # Four times the items: about four times the time (it was thirteen times).
    assert large / small < 7, f"1,500 items: {small:.2f} s, 6,000 items: {large:.2f} s"


def test_a_19_mb_survey_is_checked_once_on_upload_and_fast(app, tmp_path, monkeypatch):
    folder = big_survey(tmp_path / "big", 5400)
    assert 1_800_000 < (folder / "survey.toml").stat().st_size < 2_000_000
    data = survey_zip(folder, top="big")
    loads = []
    original = load_survey

    def counting(path):
        loads.append(path)
        return original(path)

    monkeypatch.setattr("app.campaigns.uploads.load_survey", counting)
    started = time.process_time()
    with app.app_context():
        survey = store_survey_zip(io.BytesIO(data), tmp_path / "store", Limits())
    took = time.process_time() - started
    assert len(survey.items) > 5400 and len(loads) == 1
    assert took < 10, f"the upload took {took:.1f} s of CPU"


def _without_token(response) -> str:
    return re.sub(r'name="csrf_token"[^>]*', "", response.get_data(as_text=True))


def test_the_survey_list_of_500_surveys_loads_none_of_them_again(app, client, monkeypatch, make_user, login):
    store = Path(app.instance_path) / "surveys"
    for i in range(500):
        shutil.copytree(EXAMPLE, store / f"example-{i:03d}")
    make_user()
    login(client)
    first = client.get("/admin/surveys")
    assert first.status_code == 200 and first.get_data(as_text=True).count("example-") >= 500
    loads = []
    for module in (campaign_surveys, registry):
        original = module.load_survey
        monkeypatch.setattr(module, "load_survey",
                            lambda path, original=original: loads.append(path) or original(path))
    started = time.perf_counter()
    again = client.get("/admin/surveys")
    took = time.perf_counter() - started
    assert again.status_code == 200 and _without_token(again) == _without_token(first)
    assert loads == [] and took < 2, f"{len(loads)} surveys loaded again, {took:.1f} s"

"""Campaign designer: create, edit a draft, opening pins the design, preview and test data."""

from __future__ import annotations

import csv
import json
import re

import pytest
from sqlalchemy import select

from app.campaigns.allocation import arm_for_slot
from app.campaigns.operations import DesignError, set_status, update_design
from app.extensions import db
from app.models import Answer, AuditEvent, Campaign, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.forms import form_values

SURVEY = load_survey(EXAMPLE)


def token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def design_data(client, slug: str, **changes) -> dict:
    """The design form as the page shows it, with ``changes`` applied."""
    html = client.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    data = form_values(html, "/design")
    data.update(changes)
    return data


def campaign(app, slug: str) -> Campaign:
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        db.session.expunge(c)
        return c


def audit_actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_a_manager_creates_a_campaign_from_a_shipped_survey(app, admin):
    page = admin.get("/admin/campaigns/new").get_data(as_text=True)
    assert 'value="shipped:example"' in page and 'value="shipped:peace_in_europe"' in page
    response = admin.post("/admin/campaigns/new", data={
        "csrf_token": token(admin, "/admin/campaigns/new"), "survey": "shipped:example",
        "slug": "town", "title": "My town"})
    assert response.status_code == 303
    c = campaign(app, "town")
    assert (c.status, c.title, c.survey_path) == ("draft", "My town", "example")


@pytest.mark.parametrize("survey, slug, message", [
    ("shipped:nothing", "town", "Not a valid choice"),
    ("/etc", "town", "Not a valid choice"),
    ("shipped:example", "Town Square", "lowercase letters"),
    ("shipped:example", "", "Give the campaign a link name."),
])
def test_creating_a_campaign_with_bad_input_shows_the_error(app, admin, survey, slug, message):
    response = admin.post("/admin/campaigns/new", data={
        "csrf_token": token(admin, "/admin/campaigns/new"), "survey": survey, "slug": slug})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign.id)) is None


def test_editing_a_draft_saves_the_whole_design_and_audits_it(app, admin, make_campaign):
    slug = make_campaign(status="draft")
    page = admin.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    seed = campaign(app, slug).seed
    assert f'value="{seed}"' in page  # the seed is shown
    response = admin.post(f"/admin/campaign/{slug}/design", data=design_data(
        admin, slug, title="Town square 2", languages=["de"], weight_control="2",
        weight_both="0", block_size="8", rebalance_dropouts="y", results_min_completed="5",
        seed="my-own-seed-1", strata=["age_band"], access="prolific",
        code_completed="C0DE42", code_screened_out="SCR1",
        redirect_over_quota="https://example.org/full?id={id}",
        screen_age_band_mode="deny", screen_age_band_options=["no_say"],
        quota_0_name="young", quota_0_cap="50", quota_0_c1="age_band=under_30",
        quota_1_name="young-control", quota_1_cap="10", quota_1_c1="age_band=under_30",
        quota_1_c2="arm=control", target_n="400", opens_at="2030-01-02T09:00",
        closes_at="2030-02-01T18:30", end_on_failed_attention="y"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    c = campaign(app, slug)
    assert c.title == "Town square 2"
    assert c.languages == ["de"]
    assert c.arm_weights == {"trees": 1, "market": 1, "both": 0, "control": 2}
    assert (c.block_size, c.seed, c.rebalance_dropouts, c.results_min_completed) == (
        8, "my-own-seed-1", True, 5)
    assert c.strata == ["age_band"] and c.access == "prolific" and c.panel is None
    assert c.completion == {
        "completed": {"code": "C0DE42", "redirect": None},
        "screened_out": {"code": "SCR1", "redirect": None},
        "over_quota": {"code": None, "redirect": "https://example.org/full?id={id}"},
    }
    assert c.screening == [{"item": "age_band", "deny": ["no_say"]}]
    assert c.quotas == [
        {"name": "young", "cap": 50, "conditions": {"age_band": "under_30"}},
        {"name": "young-control", "cap": 10,
         "conditions": {"age_band": "under_30", "arm": "control"}},
    ]
    assert c.target_n == 400 and c.end_on_failed_attention is True
    assert c.opens_at.isoformat() == "2030-01-02T09:00:00+00:00"
    assert c.closes_at.isoformat() == "2030-02-01T18:30:00+00:00"
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail)
                                   .where(AuditEvent.action == "campaign.design"))
    for name in ("title", "languages", "arm_weights", "seed", "quotas", "screening", "access"):
        assert name in detail, detail
    # The page shows what was saved, with empty rows for more quotas.
    page = admin.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    values = form_values(page, "/design")
    assert values["quota_1_c2"] == ["arm=control"] and values["quota_4_name"] == [""]
    assert values["screen_age_band_options"] == ["no_say"]
    assert values["opens_at"] == ["2030-01-02T09:00"]
    # Saving the page unchanged changes nothing.
    admin.post(f"/admin/campaign/{slug}/design", data=design_data(admin, slug))
    with app.app_context():
        n = len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "campaign.design")).all())
    assert n == 1


def test_saving_the_design_page_keeps_the_follow_up_code_set_from_the_cli(app, admin, runner):
    """The CLI sets a code for the follow-up's ending; the page used to drop it on save."""
    result = runner.invoke(args=["campaign", "create", "wave", "--survey", str(EXAMPLE),
                                 "--access", "prolific", "--completion-code", "completed=C1",
                                 "--completion-code", "followup=FOLLOW1"])
    assert result.exit_code == 0, result.output
    values = form_values(admin.get("/admin/campaign/wave/design").get_data(as_text=True),
                         "/design")
    assert values["code_followup"] == ["FOLLOW1"]
    response = admin.post("/admin/campaign/wave/design",
                          data=design_data(admin, "wave", code_completed="C2"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert campaign(app, "wave").completion == {
        "completed": {"code": "C2", "redirect": None},
        "followup": {"code": "FOLLOW1", "redirect": None},
    }


@pytest.mark.parametrize("changes, message", [
    ({"block_size": "6"}, "block size must be a multiple of the arm weights&#39; sum (4)"),
    ({"languages": []}, "Languages: choose at least one"),
    ({"languages": ["fr"]}, "is not a valid choice"),
    ({"seed": "bad seed!"}, "Seed: 1-64 letters"),
    ({"weight_trees": "0", "weight_market": "0", "weight_both": "0", "weight_control": "0"},
     "at least one arm needs a ratio above 0"),
    ({"weight_trees": "-1"}, "Number must be between 0 and 20"),
    ({"title": ""}, "Give the campaign a title."),
    ({"access": "panel"}, "panel.id_param: a query parameter name"),
    ({"redirect_completed": "javascript:alert(1)"}, "an http(s) URL without spaces"),
    ({"quota_0_name": "young", "quota_0_cap": "5"}, "quota 1: one or two conditions"),
    ({"quota_0_name": "Bad Name", "quota_0_cap": "5", "quota_0_c1": "arm=trees"},
     "quota 1: name is 1-64 lowercase"),
    ({"screen_age_band_mode": "allow"}, "list at least one option"),
    ({"opens_at": "2030-01-02T09:00", "closes_at": "2030-01-01T09:00"},
     "Closes at (UTC) must be after Opens at (UTC)"),
])
def test_an_invalid_design_changes_nothing_and_says_why(app, admin, make_campaign, changes,
                                                        message):
    slug = make_campaign(status="draft")
    before = campaign(app, slug)
    response = admin.post(f"/admin/campaign/{slug}/design",
                          data=design_data(admin, slug, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    summary = html[html.find("error-summary"):html.find("<h1>")]
    assert message in summary, summary
    assert "Nothing was saved." in summary
    after = campaign(app, slug)
    assert (after.title, after.languages, after.block_size, after.seed, after.arm_weights,
            after.quotas, after.access) == (before.title, before.languages, before.block_size,
                                            before.seed, before.arm_weights, before.quotas,
                                            before.access)
    assert "campaign.design" not in audit_actions(app)


def test_opening_pins_the_design(app, admin, make_campaign):
    slug = make_campaign(status="draft")
    admin.post(f"/admin/campaign/{slug}/design", data=design_data(admin, slug, block_size="4"))
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        set_status(db.session, c, "open", "test")
        db.session.commit()
        before_seed = c.seed
    page = admin.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    assert "its design is pinned" in page
    # An opened campaign's page is a summary and its settings form (issue 19, 4): the
    # pinned fields are no inputs at all.
    assert "Save design" not in page and "Save settings" in page
    assert 'id="seed"' not in page
    data = design_data(admin, slug)
    assert "seed" not in data
    data.update({"block_size": "8", "title": "Changed", "seed": "other-seed",
                 **{f"weight_{a.id}": "1" for a in SURVEY.arms}, "languages": ["en"],
                 "abandon_after_minutes": "120", "results_min_completed": "30",
                 "access": "open"})
    response = admin.post(f"/admin/campaign/{slug}/design", data=data)
    assert response.status_code == 303
    c = campaign(app, slug)  # the forged pinned fields changed nothing; the title may change
    assert (c.block_size, c.seed, c.title) == (4, before_seed, "Changed")
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        with pytest.raises(DesignError):
            update_design(db.session, c, {"seed": "another-seed"}, "test", SURVEY)
        # Pausing and closing stay possible.
        set_status(db.session, c, "paused", "test")
        set_status(db.session, c, "closed", "test")
        db.session.commit()


def test_arm_ratios_are_part_of_the_validated_design(app, make_campaign):
    slug = make_campaign(status="draft")
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        with pytest.raises(DesignError) as caught:
            update_design(db.session, c, {"arm_weights": {"trees": 3}, "block_size": 7},
                          "test", SURVEY)
        assert [p.split(":")[0] for p in caught.value.problems] == ["arm_weights"]
        update_design(db.session, c, {
            "arm_weights": {"trees": 3, "market": 1, "both": 0, "control": 2},
            "block_size": 12}, "test", SURVEY)
        assert (c.arm_weights["trees"], c.block_size) == (3, 12)
        with pytest.raises(DesignError, match="multiple of the arm weights' sum \\(6\\)"):
            update_design(db.session, c, {"block_size": 8}, "test", SURVEY)


def test_allocation_follows_the_campaign_ratios(app, make_campaign):
    slug = make_campaign(status="draft")
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        update_design(db.session, c, {"block_size": 6, "arm_weights": {
            "trees": 2, "market": 0, "both": 0, "control": 1}}, "test", SURVEY)
        set_status(db.session, c, "open", "test")
        db.session.commit()
        weights, seed = c.arm_weights, c.seed
    for _ in range(6):
        Bot(app.test_client(), slug, SURVEY).start()
    with app.app_context():
        people = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        arms = [p.arm for p in people]
        assert sorted(arms) == ["control", "control", "trees", "trees", "trees", "trees"]
        assert arms == [arm_for_slot(SURVEY, seed, "", n, 6, weights) for n in range(6)]


def test_an_analyst_sees_the_design_but_cannot_change_or_preview(app, client, make_campaign, make_user, login):
    slug = make_campaign(status="draft")
    make_user(email="analyst@example.org", role="analyst", campaigns=[slug])
    login(client, email="analyst@example.org")
    page = client.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    assert "Save design" not in page and "Start a preview" not in page
    assert client.post(f"/admin/campaign/{slug}/design",
                       data=design_data(client, slug, title="X")).status_code == 403
    data = {"csrf_token": token(client, f"/admin/campaign/{slug}/design"), "arm": "trees",
            "language": "en"}
    assert client.post(f"/admin/campaign/{slug}/preview", data=data).status_code == 403
    assert client.get("/admin/campaigns/new").status_code == 403


# --- preview and test mode -----------------------------------------------------


def preview(client, slug: str, arm: str, language: str = "en"):
    data = {"csrf_token": token(client, f"/admin/campaign/{slug}/design"), "arm": arm,
            "language": language}
    return client.post(f"/admin/campaign/{slug}/preview", data=data)


def walk_on(client, slug: str) -> str:
    """Answer every page of the participant whose cookie ``client`` holds."""
    bot = Bot(client, slug, SURVEY)
    bot.get("go")
    for _ in range(100):
        if bot.current_action() is None:
            break
        bot.submit_current()
    return bot.html


def test_a_draft_is_hidden_from_participants_but_a_manager_previews_it(app, admin,
                                                                       make_campaign):
    slug = make_campaign(status="draft")
    outsider = app.test_client()
    assert outsider.get(f"/c/{slug}/").status_code == 404
    response = preview(admin, slug, "control", "de")
    assert response.status_code == 303
    # The preview starts at the consent page (issue 19), as a participant does.
    assert response.headers["Location"].endswith(f"/c/{slug}/")
    landing = admin.get(f"/c/{slug}/").get_data(as_text=True)
    assert 'name="agree"' in landing and "participant/decline" not in landing
    assert f'formaction="/c/{slug}/decline"' in landing
    first = admin.get(f"/c/{slug}/go").get_data(as_text=True)
    assert "Test mode" in first or "Testmodus" in first
    assert 'lang="de"' in first
    html = walk_on(admin, slug)
    assert "Vielen Dank" in html
    with app.app_context():
        p = db.session.scalar(select(Participant))
        assert (p.is_test, p.arm, p.language, p.status, p.allocation_seq) == (
            True, "control", "de", "completed", None)
        assert p.modules == ["control"]
        n_answers = len(db.session.scalars(select(Answer)).all())
        assert n_answers > 10
    assert "campaign.preview" in audit_actions(app)
    assert outsider.get(f"/c/{slug}/").status_code == 404


def test_test_participants_stay_out_of_allocation_results_monitor_and_export(
    app, admin, runner, make_campaign, tmp_path
):
    slug = make_campaign(results_min_completed=1)
    for arm in ("trees", "trees", "market"):
        assert preview(admin, slug, arm).status_code == 303
        walk_on(admin, slug)
        admin.delete_cookie(f"parley_{slug}", path=f"/c/{slug}/")
    # The first real participant takes slot 0 of the seeded sequence; no result yet from tests.
    real = Bot(app.test_client(), slug, SURVEY)
    real.start()
    assert "Results will appear" not in real.html
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        first_real = db.session.scalar(select(Participant).where(Participant.is_test.is_(False)))
        assert first_real.allocation_seq == 0
        assert first_real.arm == arm_for_slot(SURVEY, c.seed, "", 0, c.block_size)
        from app.monitor.figures import funnel

        f = funnel(db.session, c)
        assert (f.test, f.consented, f.completed) == (3, 1, 0)

    # Results on the thanks page: none of the test completions count.
    with app.app_context():
        from app.campaigns.surveys import survey_for
        from app.participant.results import results_for_thanks

        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        assert results_for_thanks(db.session, c, survey_for(c), "en") is None

    out = tmp_path / "export"
    assert runner.invoke(args=["export", slug, str(out)]).exit_code == 0
    with (out / "participants.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and "is_test" not in rows[0]
    with (out / "answers.csv").open() as f:
        assert {r["participant_id"] for r in csv.DictReader(f)} <= {rows[0]["participant_id"]}
    assert json.loads((out / "manifest.json").read_text())["include_test"] is False

    out = tmp_path / "with-tests"
    result = runner.invoke(args=["export", slug, str(out), "--include-test"])
    assert result.exit_code == 0, result.output
    with (out / "participants.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["is_test"] for r in rows) == ["0", "1", "1", "1"]
    assert json.loads((out / "manifest.json").read_text())["include_test"] is True

    # The analysis package reads the export with the extra column.
    from analysis import load_export

    assert len(load_export(out).participants) == 4


def test_test_data_is_deleted_in_one_audited_action(app, admin, runner, make_campaign):
    slug = make_campaign()
    preview(admin, slug, "both")
    walk_on(admin, slug)
    Bot(app.test_client(), slug, SURVEY).walk()
    page = admin.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    assert "Test participants in this campaign: 1." in page
    data = {"csrf_token": token(admin, f"/admin/campaign/{slug}/design")}
    response = admin.post(f"/admin/campaign/{slug}/test-data/delete", data=data)
    assert response.status_code == 303
    with app.app_context():
        people = db.session.scalars(select(Participant)).all()
        assert [p.is_test for p in people] == [False]
        owners = set(db.session.scalars(select(Answer.participant_id)).all())
        assert owners == {people[0].id}
        event = db.session.scalar(select(AuditEvent)
                                  .where(AuditEvent.action == "campaign.test_data_delete"))
        assert (event.actor, event.detail) == ("admin@example.org", "1 test participant(s)")

    preview(admin, slug, "trees")
    result = runner.invoke(args=["campaign", "test-data", "delete", slug])
    assert result.exit_code == 0, result.output
    assert "deleted 1 test participant(s)" in result.output
    with app.app_context():
        assert db.session.scalars(select(Participant.is_test)).all() == [False]
    assert audit_actions(app).count("campaign.test_data_delete") == 2


def test_test_participants_never_fill_a_dropout_slot(app, admin, make_campaign):
    slug = make_campaign(rebalance_dropouts=True)
    preview(admin, slug, "trees")
    admin.post(f"/c/{slug}/withdraw",
               data={"csrf_token": token(admin, f"/c/{slug}/withdraw")})  # a test dropout
    Bot(app.test_client(), slug, SURVEY).start()
    with app.app_context():
        real = db.session.scalar(select(Participant).where(Participant.is_test.is_(False)))
        assert real.replaces_id is None and real.allocation_seq == 0


def test_a_manager_designs_only_their_own_campaigns(app, client, make_campaign, make_user, login):
    other = make_campaign(slug="other", status="draft")
    make_user(email="manager@example.org", role="manager")
    login(client, email="manager@example.org")
    assert client.get(f"/admin/campaign/{other}/design").status_code == 404
    response = client.post("/admin/campaigns/new", data={
        "csrf_token": token(client, "/admin/campaigns/new"), "survey": "shipped:example",
        "slug": "mine"})
    assert response.status_code == 303
    # The creator became a member, so the new draft is theirs to design and preview.
    assert client.get("/admin/campaign/mine/design").status_code == 200
    assert preview(client, "mine", "trees").status_code == 303
    data = {"csrf_token": token(client, "/admin/campaign/mine/design")}
    assert client.post(f"/admin/campaign/{other}/test-data/delete",
                       data=data).status_code == 404

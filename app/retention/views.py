"""Owner pages: a campaign's retention period, and deleting one participant's data."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from app.accounts.permissions import campaign_for_user
from app.extensions import db
from app.retention.erasure import flush_deleted
from app.retention.operations import (
    count_data,
    delete_participant_data,
    expires_at,
    find_participant,
    set_retention,
)


class RetentionForm(FlaskForm):
    days = IntegerField("Days to keep the data after closing (empty: until someone decides)",
                        validators=[Optional(), NumberRange(min=0, max=36500)])


class FindForm(FlaskForm):
    by = RadioField("Find by", choices=["resume code", "external id"], default="resume code")
    value = StringField("Resume code or panel id", validators=[DataRequired()])


class DeleteForm(FlaskForm):
    by = HiddenField()
    value = HiddenField()


@login_required
def retention(slug: str):
    campaign = campaign_for_user(slug, "own")
    form = RetentionForm()
    if form.validate_on_submit():
        set_retention(db.session, campaign, form.days.data)
        db.session.commit()
        flash("Retention period saved.", "info")
        return redirect(url_for(".retention", slug=slug), code=303)
    if not form.is_submitted():
        form.days.data = campaign.retention_days
    return render_template("retention/retention.html", c=campaign, form=form,
                           expires=expires_at(campaign), find=FindForm()), (
        400 if form.errors else 200)


@login_required
def participant(slug: str):
    """Find a participant by code or panel id; show what is held; a second POST deletes it."""
    campaign = campaign_for_user(slug, "own")
    find = FindForm()
    if not find.validate_on_submit():
        flash("Give a resume code or a panel id.", "error")
        return redirect(url_for(".retention", slug=slug), code=303)
    how = find.by.data
    kwargs = {"code": find.value.data} if how == "resume code" else {
        "external_id": find.value.data}
    found = find_participant(db.session, campaign, **kwargs)
    if found is None:
        flash(f"No participant of this campaign has that {how}.", "error")
        return redirect(url_for(".retention", slug=slug), code=303)
    confirm = DeleteForm(by=how, value=find.value.data)
    return render_template("retention/participant.html", c=campaign, p=found, how=how,
                           counts=count_data(db.session, campaign, [found.id]),
                           confirm=confirm)


@login_required
def delete_participant(slug: str):
    campaign = campaign_for_user(slug, "own")
    form = DeleteForm()
    if form.validate_on_submit():
        how = form.by.data
        kwargs = {"code": form.value.data} if how == "resume code" else {
            "external_id": form.value.data}
        found = find_participant(db.session, campaign, **kwargs)
        if found is None:
            flash("That participant's data are already deleted.", "info")
        else:
            counts = delete_participant_data(db.session, campaign, found, how)
            db.session.commit()
            flush_deleted(db.session)
            flash(f"Deleted the data of {found.public_id}: {counts.describe()}.", "info")
    return redirect(url_for(".retention", slug=slug), code=303)

"""Forms of the account pages (English: the admin area is not translated yet)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts.operations import MIN_PASSWORD
from app.models import ROLES

__all__ = ["LoginForm", "InviteForm", "RoleForm", "PlainForm", "SetPasswordForm", "CodeForm",
           "MemberForm"]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=list(ROLES), default="analyst")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES))


class PlainForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        f"New password (at least {MIN_PASSWORD} characters)",
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)],
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("password", "The two differ.")]
    )


class CodeForm(FlaskForm):
    code = StringField("Six-digit code from your authenticator app",
                       validators=[DataRequired(), Length(min=6, max=8)])


class MemberForm(FlaskForm):
    #: Choices are emails (plain strings: WTForms 3.3 deprecates tuples).
    user = SelectField("Account")

"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired

__all__ = ["LoginForm", "StatusForm"]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=["open", "paused", "closed", "archived"],
    )

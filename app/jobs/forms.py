"""The export request form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from app.jobs.operations import EXPORT_FORMATS

__all__ = ["ExportForm", "ReportForm"]

FORMAT_LABELS = {
    "zip": "Long CSV folder (zip): participants, answers, pages, codebook, manifest",
    "wide": "Wide CSV, one row per participant",
    "parquet": "Parquet (wide)",
    "xlsx": "Excel (wide)",
    "sav": "SPSS .sav with value labels (wide)",
    "dta": "Stata .dta with value labels (wide)",
}


class ExportForm(FlaskForm):
    fmt = SelectField("Format", choices=list(EXPORT_FORMATS), default="zip")
    include_test = BooleanField("Include test participants (previews)")
    include_text = BooleanField("Include free-text answers (may hold names or other personal data)")
    include_profile = BooleanField("Include about-you answers (age, and other sensitive answers)")


class ReportForm(FlaskForm):
    """Only the CSRF token: the report is of the data as they are."""

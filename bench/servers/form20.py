"""A bare Flask page with a 20-field WTForms form (five-point radio questions), no database."""

from flask import Flask, render_template_string
from wtforms import Form, RadioField

app = Flask(__name__)

CHOICES = [(str(n), label) for n, label in enumerate(
    ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"], start=1)]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Questions</title></head>
<body><main><h1>Questions</h1><form method="post" action="/">
{% for field in form %}<fieldset><legend>{{ field.label.text }}</legend>{{ field() }}</fieldset>
{% endfor %}<button type="submit">Save and continue</button></form></main></body></html>"""


class TwentyQuestions(Form):
    pass


for _n in range(1, 21):
    setattr(TwentyQuestions, f"q{_n}", RadioField(f"Question {_n}: how much do you agree?",
                                                  choices=CHOICES))


@app.get("/")
def page():
    return render_template_string(PAGE, form=TwentyQuestions())

from otree.api import *

doc = """Benchmark baseline: one participant page with 20 five-point questions (bench/run)."""

CHOICES = [[1, 'Strongly disagree'], [2, 'Disagree'], [3, 'Neither'], [4, 'Agree'],
           [5, 'Strongly agree']]


class C(BaseConstants):
    NAME_IN_URL = 'twenty'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


def question(n):
    return models.IntegerField(label=f'Question {n}: how much do you agree?', choices=CHOICES,
                               widget=widgets.RadioSelect)


class Player(BasePlayer):
    pass


for _n in range(1, 21):
    setattr(Player, f'q{_n}', question(_n))


class Questions(Page):
    form_model = 'player'
    form_fields = [f'q{n}' for n in range(1, 21)]


class Done(Page):
    pass


page_sequence = [Questions, Done]

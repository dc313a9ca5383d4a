"""``python -m surveys check PATH``: validate a survey folder without the app."""

import sys

from surveys.loader import SurveyError, load_survey


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "check":
        print("usage: python -m surveys check PATH", file=sys.stderr)
        return 2
    try:
        survey = load_survey(args[1])
    except SurveyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    print(
        f"{survey.id}: OK ({len(survey.items)} items, {len(survey.pages)} pages, "
        f"{len(survey.modules)} modules, {len(survey.arms)} arms, "
        f"languages {', '.join(survey.languages)}; version {survey.version[:12]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

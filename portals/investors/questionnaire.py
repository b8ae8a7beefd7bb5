"""The suitability questionnaire (投资者适当性评估): its questions, the score of every answer and
the level (C1–C5) a total gives, with the explanation shown to the investor. Stated here, in
code, so the rule is reviewed with the code and the score of every answer is visible on the page.

Rules:
- the level is given by the total score (``LEVELS``: the lowest total of each level);
- an investor who can bear no loss at all is C1 whatever its total (``CAPS``);
- an assessment holds for one year (``VALID_DAYS``); after that the investor must retake it
  before investing again;
- a level-Cn investor may buy products and opportunities of risk R1 … Rn.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

VALID_DAYS = 365


@dataclass(frozen=True)
class Answer:
    code: str
    text: str
    score: int


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    answers: tuple[Answer, ...]

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)


QUESTIONS: tuple[Question, ...] = (
    Question("age", _("What is your age?"), (
        Answer("under_25", _("Under 25"), 3), Answer("25_50", _("25 to 50"), 5),
        Answer("51_65", _("51 to 65"), 3), Answer("over_65", _("Over 65"), 1))),
    Question("income", _("What is your household's yearly income?"), (
        Answer("lt_100k", _("Below ¥100,000"), 1), Answer("100k_300k", _("¥100,000 to ¥300,000"), 3),
        Answer("300k_1m", _("¥300,000 to ¥1,000,000"), 5), Answer("gt_1m", _("Above ¥1,000,000"), 7))),
    Question("share", _("What share of your financial assets would you invest on this platform?"), (
        Answer("gt_50", _("More than half"), 1), Answer("20_50", _("20 % to 50 %"), 3),
        Answer("10_20", _("10 % to 20 %"), 5), Answer("lt_10", _("Less than 10 %"), 7))),
    Question("experience", _("For how many years have you invested in anything other than bank deposits?"), (
        Answer("none", _("Never"), 0), Answer("lt_2", _("Less than 2 years"), 2),
        Answer("2_5", _("2 to 5 years"), 4), Answer("gt_5", _("More than 5 years"), 6))),
    Question("knowledge", _("How well do you know lending to small firms?"), (
        Answer("none", _("Not at all"), 0), Answer("basic", _("I know the basics"), 2),
        Answer("risk", _("I understand credit risk, default and recovery"), 4),
        Answer("professional", _("I work or have worked in finance"), 6))),
    Question("horizon", _("How long can this money stay invested?"), (
        Answer("lt_1y", _("Less than a year"), 1), Answer("1_3y", _("1 to 3 years"), 3),
        Answer("gt_3y", _("More than 3 years"), 5))),
    Question("goal", _("What do you want from this investment?"), (
        Answer("preserve", _("Keep my capital safe"), 1),
        Answer("steady", _("A steady income a little above deposits"), 3),
        Answer("growth", _("A higher return; I accept that it varies"), 5),
        Answer("max", _("The highest return; I accept large losses"), 7))),
    Question("loss", _("What loss of the money invested could you bear?"), (
        Answer("none", _("No loss at all"), 0), Answer("lt_10", _("Up to 10 %"), 3),
        Answer("10_30", _("10 % to 30 %"), 5), Answer("gt_30", _("More than 30 %"), 7))),
)
QUESTION_BY_CODE = {q.code: q for q in QUESTIONS}

# the lowest total of each level, highest first
LEVELS: tuple[tuple[str, int], ...] = (("C5", 43), ("C4", 34), ("C3", 25), ("C2", 16), ("C1", 0))
# answers that cap the level whatever the total
CAPS = {("loss", "none"): "C1"}

EXPLANATIONS = {
    "C1": _("Conservative: you want your capital kept safe and can bear no loss. You may buy only low-risk (R1) "
            "products such as deposits with an institution."),
    "C2": _("Cautious: you accept small fluctuations for a little more than deposits. You may buy products up to "
            "R2, such as the finance company's notes."),
    "C3": _("Balanced: you accept some risk of loss for a steady return. You may buy products up to R3, including "
            "loans to well-rated member firms."),
    "C4": _("Growth: you accept marked losses for a higher return. You may buy products up to R4, including loans "
            "to firms rated BB or B."),
    "C5": _("Aggressive: you accept large losses, up to all the money lent. You may buy every product, up to R5, "
            "including loans to low-rated or unrated firms."),
}
RISK_EXPLANATIONS = {
    "R1": _("Low risk: principal and interest are very unlikely to be lost."),
    "R2": _("Medium-low risk: repayment rests on the finance company's pool; a loss is unlikely."),
    "R3": _("Medium risk: repayment rests on one well-rated firm; some loss is possible."),
    "R4": _("Medium-high risk: repayment rests on one firm of middling grade; losses are quite possible."),
    "R5": _("High risk: repayment rests on one low-rated or unrated firm; you may lose much or all of it."),
}


@dataclass
class Scored:
    answers: dict[str, str]
    lines: list[tuple[Question, Answer]]
    total: int
    level: str
    capped_by: Question | None = None


def level_for(total: int) -> str:
    return next(level for level, floor in LEVELS if total >= floor)


def score(answers: dict[str, str]) -> Scored:
    """Score a complete set of answers (question code → answer code). ``ValueError`` names the
    question unanswered or answered with an unknown code."""
    lines = []
    for question in QUESTIONS:
        answer = question.answer(answers.get(question.code, ""))
        if answer is None:
            raise ValueError(question.code)
        lines.append((question, answer))
    total = sum(a.score for _q, a in lines)
    level, capped_by = level_for(total), None
    for question, answer in lines:
        cap = CAPS.get((question.code, answer.code))
        if cap and cap < level:
            level, capped_by = cap, question
    return Scored(answers={q.code: a.code for q, a in lines}, lines=lines, total=total, level=level,
                  capped_by=capped_by)


def may_buy(level: str, risk: str) -> bool:
    """A level-Cn investor may buy up to Rn."""
    return bool(level) and int(risk[1:]) <= int(level[1:])

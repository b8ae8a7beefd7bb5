"""The suitability questionnaire: every question with the score of each answer, the result with
its explanation, and the date it must be retaken."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin

from ..questionnaire import EXPLANATIONS, LEVELS, QUESTION_BY_CODE, QUESTIONS, RISK_EXPLANATIONS
from ..selectors import investor_profile, latest_assessment
from ..services import suitability_assess


class SuitabilityView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/suitability.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        profile = investor_profile(self.agent)
        latest = latest_assessment(self.agent)
        lines = []
        if latest:
            for code, answer_code in latest.answers.items():
                question = QUESTION_BY_CODE.get(code)
                answer = question.answer(answer_code) if question else None
                if answer:
                    lines.append((question, answer))
        chosen = kwargs.get("chosen") or (latest.answers if latest else {})
        ctx.update(profile=profile, latest=latest, lines=lines, questions=QUESTIONS, chosen=chosen,
                   errors=kwargs.get("errors", {}),
                   explanation=EXPLANATIONS.get(profile.suitability) if profile else None,
                   levels=[(level, floor, EXPLANATIONS[level]) for level, floor in reversed(LEVELS)],
                   risks=sorted(RISK_EXPLANATIONS.items()),
                   expired=bool(profile and not profile.is_current()))
        return ctx

    def post(self, request, *args, **kwargs):
        answers = {q.code: request.POST.get(q.code, "") for q in QUESTIONS}
        try:
            assessment = suitability_assess(user=request.user, investor=self.agent, answers=answers)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            messages.error(request, _("Answer every question."))
            return self.render_to_response(self.get_context_data(chosen=answers, errors=errors), status=400)
        messages.success(request, _("Your suitability level is %(level)s (score %(total)s).")
                         % {"level": assessment.level, "total": assessment.total})
        return redirect("investors:suitability")

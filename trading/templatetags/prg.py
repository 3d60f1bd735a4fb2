"""Template tags of the forms' Post/Redirect/Get (trading/views/prg.py): a refused form's
message next to its field, the form's own message, the field's accessibility attributes.

    <label for="id_challenge_text">…</label>
    <textarea id="id_challenge_text" name="text"{% invalid "challenge" "text" %}>{{ typed.challenge.text }}</textarea>
    {% field_error "challenge" "text" %}
"""

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join

register = template.Library()


def _refusal(context):
    return context.get("form_refusal")


@register.simple_tag(takes_context=True)
def field_error(context, form, field):
    """The message about `field` of `form`, next to it (the summary at the top links here)."""
    refusal = _refusal(context)
    problem = refusal.problem(form, field) if refusal else None
    if problem is None:
        return ""
    return format_html('<span class="field-error" id="{}">{}</span>', problem.error_id, problem.message)


@register.simple_tag(takes_context=True)
def invalid(context, form, field):
    """` aria-invalid="true" aria-describedby="…"` on the input of a field in error."""
    refusal = _refusal(context)
    problem = refusal.problem(form, field) if refusal else None
    if problem is None:
        return ""
    return format_html(' aria-invalid="true" aria-describedby="{}"', problem.error_id)


@register.simple_tag(takes_context=True)
def form_errors(context, form):
    """The messages about `form` as a whole, at the top of the form."""
    refusal = _refusal(context)
    problems = refusal.form_problems(form) if refusal else []
    if not problems:
        return ""
    return format_html('<div class="alert error form-error" id="{}">{}</div>', problems[0].error_id,
                       format_html_join("", "<p>{}</p>", ((p.message,) for p in problems)))


@register.filter
def values(posted, name):
    """Every value typed for `name` (checkboxes): `{% if pk in typed.notice|values:"invitees" %}`."""
    return posted.getlist(name) if hasattr(posted, "getlist") else []


@register.filter
def of_form(typed, name):
    """What was typed in the form named `name` when the name is built in the template (one
    form per row): `{% with t=typed|of_form:form_name %}`."""
    return typed[name] if typed is not None else QueryDict()

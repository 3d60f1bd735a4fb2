"""Print a procedure's stage machine as a Mermaid state diagram, generated from its
django-fsm transitions with the rules that guard them (docs/procedures/*.md embed the
output)."""

import json

from django.core.management.base import BaseCommand, CommandError

from trading import registry
from trading.models import Stage


def all_procedures():
    return {p.type: p.machine for p in registry.procedures()}


def moves(procedure_class) -> list[dict]:
    """Every (action, from, to, role, rules) of the machine, with "*" sources spelled out;
    `to` None for resume (back to the stage it was suspended at); `rules`: the codes of the
    conditions that must hold."""
    field = procedure_class._meta.get_field("stage")
    stages = {s.value for s in Stage} | set(procedure_class.STAGES)
    live = sorted(s for s in stages if s not in {"draft", "submitted", "rejected", "withdrawn", "suspended",
                                                 "terminated", "archived"} | set(procedure_class.FINAL_STAGES))
    found = [{"action": "create", "from": None, "to": "draft", "role": "purchaser", "rules": []}]
    seen = set()
    for transition in sorted(field.get_all_transitions(procedure_class), key=lambda t: (t.name, str(t.source))):
        name = transition.name
        role = transition.custom.get("role", "")
        sources = [transition.source] if transition.source != "*" else []
        if transition.source == "*":
            if name == "suspend":
                sources = live
            elif name == "terminate":
                sources = [*live, "suspended"]
            elif name == "archive":
                sources = ["rejected", "withdrawn", "terminated", *sorted(procedure_class.ARCHIVABLE_STAGES)]
        for source in sources:
            target = transition.target if isinstance(transition.target, str) else None
            key = (source, target, name)
            if key not in seen:
                seen.add(key)
                found.append({"action": name, "from": source, "to": target, "role": role,
                              "rules": [getattr(c, "code", getattr(c, "__name__", "?")) for c in transition.conditions
                                        if not getattr(c, "stage_rule", False) or name not in _COMMON]})
    return found


# Moves of the common start whose stage rules only bound their "*" source.
_COMMON = {"suspend", "terminate", "archive"}


def diagram(procedure_class) -> str:
    """Mermaid, with suspend/resume/terminate drawn once from "any live stage"."""
    lines = ["stateDiagram-v2", '    state "any live stage" as live', "    [*] --> draft: create"]
    drawn = set()
    for move in moves(procedure_class)[1:]:
        label = f"{move['action']} ({move['role']})" if move["role"] else move["action"]
        if move["rules"]:
            label += " [" + ", ".join(move["rules"]) + "]"
        if move["action"] in ("suspend", "resume", "terminate"):
            source = "live" if move["from"] != "suspended" else "suspended"
            target = move["to"] or "live"
            edge = f"    {source} --> {target}: {label}"
        else:
            edge = f"    {move['from']} --> {move['to']}: {label}"
        if edge not in drawn:
            drawn.add(edge)
            lines.append(edge)
    lines.append("    archived --> [*]")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print a procedure's stages and moves as a Mermaid state diagram."

    def add_arguments(self, parser):
        parser.add_argument("procedure", choices=sorted(all_procedures()))
        parser.add_argument("--json", action="store_true", help="every move as JSON, for verifiers")

    def handle(self, *args, procedure, **options):
        cls = all_procedures().get(procedure)
        if cls is None:
            raise CommandError(f"unknown procedure {procedure}")
        if options["json"]:
            self.stdout.write(json.dumps({"type": procedure, "moves": moves(cls)}, indent=1, ensure_ascii=False))
        else:
            self.stdout.write(diagram(cls))

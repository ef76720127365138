"""Storing rule sets (考核方案): validated by the core, each change a new version, no version ever edited."""

from __future__ import annotations

from django.db import transaction

from vbp.audit.services import Kind, record_change, snapshot
from vbp.core.rules import RuleSet, parse_rule_set
from vbp.rulesets.models import RuleSetVersion

# The whole definition goes in: a new version is what changed, so the log shows both sides.
AUDITED_FIELDS = ["code", "version", "name", "definition"]


def save_rule_set(definition: dict, *, actor=None) -> RuleSetVersion:
    """Store ``definition`` as the next version of its rule set; the same definition again stores nothing.

    Batches and results point at the version they used, so a change can never
    alter an amount already computed: it only makes a version to choose next time.
    ``actor`` is the user saving it (None: the system, e.g. the demo loader), for the audit log.
    """
    parse_rule_set(definition)  # RuleSetError lists every problem
    code = definition["id"]
    with transaction.atomic():
        latest = RuleSetVersion.objects.select_for_update().filter(code=code).order_by("-version").first()
        if latest is not None and _same_rules(latest.definition, definition):
            return latest
        number = latest.version + 1 if latest else int(definition.get("version", 1))
        stored = {**definition, "version": number}
        version = RuleSetVersion.objects.create(code=code, version=number, name=definition["name"], definition=stored)
        record_change(
            actor,
            Kind.CREATE,
            version,
            before=snapshot(latest, AUDITED_FIELDS) if latest else None,
            after=snapshot(version, AUDITED_FIELDS),
            message=f"保存考核方案 {code} 第 {number} 版",
        )
        return version


def rule_set_of(version: RuleSetVersion) -> RuleSet:
    """The core's rule set for a stored version."""
    return parse_rule_set(version.definition)


def _same_rules(stored: dict, definition: dict) -> bool:
    def rules(data: dict) -> dict:
        return {key: value for key, value in data.items() if key != "version"}

    return rules(stored) == rules(definition)

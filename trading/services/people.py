"""Changes to people's roles, ledgered (issue: "an administrator's change to a company, a
person or a role is ledgered"). The Django admin and any other path call these; the
ledger names the account by its number only (no personal data), the role and the
station's code, and who changed it.

    account.changed  subject "user:<id>"  data {"change": "role_added" | "role_removed" |
                     "activated" | "deactivated" | "staff" | "not_staff" | "superuser" |
                     "not_superuser" | "permissions" | "password_set", "role"?, "station"?,
                     "granted"?, "revoked"?}

"permissions": the admin permissions ("app.codename") and groups ("group:<name>") the
account was given or lost; "password_set": an administrator set its password (the
password itself is never recorded).
"""

from django.db import transaction as db_transaction

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from ..models import Membership

ADMINISTRATOR = "administrator"


def person_subject(user) -> str:
    return f"user:{user.pk}"


def _by(actor_user):
    if actor_user is None:
        return ledger_actor("system", "platform")
    return ledger_actor(ADMINISTRATOR, actor_user.ledger_name())


def account_changed(*, user, change: str, by=None, **data) -> None:
    """Record one change of an account (inside the change's database transaction)."""
    ledger_record(kind="account.changed", subject=person_subject(user), actor=_by(by),
                  data={"change": change, **data})


def membership_record(*, membership: Membership, by, removed: bool = False) -> None:
    account_changed(user=membership.user, by=by, change="role_removed" if removed else "role_added",
                    role=membership.role, station=membership.station.code)


def membership_add(*, user, station, role, unit=None, by=None) -> Membership:
    with db_transaction.atomic():
        membership = Membership.objects.create(user=user, station=station, role=role, unit=unit)
        membership_record(membership=membership, by=by)
    return membership


def membership_remove(*, membership: Membership, by=None) -> None:
    with db_transaction.atomic():
        membership_record(membership=membership, by=by, removed=True)
        membership.delete()


def account_flags_record(*, user, before: dict, by) -> None:
    """Ledger the changes of is_active / is_staff / is_superuser from `before`."""
    names = {"is_active": ("activated", "deactivated"), "is_staff": ("staff", "not_staff"),
             "is_superuser": ("superuser", "not_superuser")}
    for field, (on, off) in names.items():
        if field in before and bool(before[field]) != bool(getattr(user, field)):
            account_changed(user=user, by=by, change=on if getattr(user, field) else off)


def account_permissions(user) -> set[str]:
    """What the admin site lets `user` do beyond its roles: its own permissions and groups."""
    perms = {f"{app}.{codename}" for app, codename in
             user.user_permissions.values_list("content_type__app_label", "codename")}
    return perms | {f"group:{name}" for name in user.groups.values_list("name", flat=True)}


def account_permissions_record(*, user, before: set, by) -> None:
    """Ledger the permissions and groups `user` was given or lost since `before`."""
    after = account_permissions(user)
    granted, revoked = sorted(after - before), sorted(before - after)
    if granted or revoked:
        data = {"granted": granted} if granted else {}
        if revoked:
            data["revoked"] = revoked
        account_changed(user=user, by=by, change="permissions", **data)

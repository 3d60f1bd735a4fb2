"""The platform's own moves are recorded as actor role "system" with a name of its own
("scheduler", "platform"); a page names them in the reader's language, the ledger keeps
what was recorded (found by the inquiry's browser walk: "系统 · scheduler")."""

import pytest
from django.utils import translation

from trading.templatetags.station import actor_name, role_name


@pytest.mark.parametrize("language, scheduler, platform", [("zh-hans", "定时任务", "平台"),
                                                             ("en", "scheduler", "platform")])
def test_the_system_s_names_are_shown_in_the_reader_s_language(language, scheduler, platform):
    with translation.override(language):
        assert actor_name({"role": "system", "name": "scheduler"}) == scheduler
        assert actor_name({"role": "system", "name": "platform"}) == platform


def test_a_person_s_recorded_name_is_shown_as_recorded():
    with translation.override("zh-hans"):
        assert actor_name({"role": "clerk", "name": "platform"}) == "platform"
        assert actor_name({"role": "system", "name": "王明"}) == "王明"
        assert role_name("system") == "系统"
        assert actor_name("garbled") == ""

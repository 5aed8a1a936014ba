"""A stand-in for a higher app (reports) contributing digest facts through the hook, used by tests only.

It answers the way a real app may: string keys, Decimal scores, a lazy translated line, a date."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy


def facts(*, org, partnership_ids, today):
    return {
        str(pid): {
            "tacam": {
                "trust": Decimal("31.5"),
                "analysis": Decimal("100"),
                "commitment": 55,
                "accountability": 64,
                "measurement": 80,
            },
            "as_of": today - datetime.timedelta(days=1),
            "digest_lines": [
                {"text": gettext_lazy("Trust moved from 28 to 31.5 since last week."), "url": "/reports/"}
            ],
        }
        for pid in partnership_ids
    }

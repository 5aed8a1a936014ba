"""A stand-in for a higher app (reports) contributing digest facts through the hook, used by tests only."""


def facts(*, org, partnership_ids, today):
    return {
        pid: {
            "tacam": {"trust": 31, "analysis": 70, "commitment": 55, "accountability": 64, "measurement": 80},
            "digest_lines": [{"text": "Trust moved from 28 to 31 since last week.", "url": "/reports/"}],
        }
        for pid in partnership_ids
    }

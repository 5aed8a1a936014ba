"""Turn a workspace's facts (workspaces.digest_facts) into a digest's subject and text.

- `write(kind=, facts=, seed=)`: the deterministic writer. Sentences are templates with a few
  variants each; which variant is picked depends on `seed` (workspace and period), so the same facts
  always give the same text, and two partnerships or two weeks do not read alike. It runs inside
  `translation.override(language)` of the caller.
- `llm_write(...)`: the optional writer. It speaks the OpenAI-compatible chat-completions protocol to
  `settings.POM_DIGEST_LLM_URL` and returns its text only when `grounding_problems` finds nothing;
  otherwise it returns None with the reason, and the deterministic text is used.
- `grounding_problems(text, facts, reference)`: every number and every capitalised name inside a
  sentence must appear in the facts (or in the deterministic text written from them).
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_LINES = 3


def fmt(value: str | int | Decimal | None) -> str:
    """A figure formatted for the active language, with grouping (200,000 / 200.000)."""
    if value in (None, ""):
        return "—"
    return formats.number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)


def kr_line(kr: dict) -> str:
    """A key result as the digests print it: "name = realised / target (n % completed)"."""
    if not kr["target"]:
        return _("%(name)s = %(realised)s (no target)") % {"name": kr["name"], "realised": fmt(kr["realised"])}
    return _("%(name)s = %(realised)s / %(target)s (%(percent)s %% completed)") % {
        "name": kr["name"],
        "realised": fmt(kr["realised"]),
        "target": fmt(kr["target"]),
        "percent": kr["percent"] if kr["percent"] is not None else 0,
    }


class _Picker:
    def __init__(self, seed: str):
        self.seed = seed

    def __call__(self, key: str, variants: list[str]) -> str:
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return variants[digest[0] % len(variants)]


def _names(rows: list[dict], field: str) -> str:
    shown = [_("“%(name)s”") % {"name": r[field]} for r in rows[:MAX_LINES]]
    more = len(rows) - len(shown)
    text = ", ".join(shown)
    if more > 0:
        text += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
    return text


def write(*, kind: str, facts: dict, seed: str) -> tuple[str, str]:
    """Subject and body of a digest of `kind` from `facts`, in the active language."""
    pick = _Picker(seed)
    name = facts["workspace"]["name"]
    if kind == "okr_reminder":
        return _okr_reminder(facts, name, pick)
    if kind == "opportunity":
        return _opportunity(facts, name, pick)
    return _weekly(facts, name, pick)


def _weekly(facts: dict, name: str, pick: _Picker) -> tuple[str, str]:
    subject = pick(
        "subject",
        [
            _("This week in %(name)s") % {"name": name},
            _("%(name)s: your weekly partnership update") % {"name": name},
            _("Weekly update: %(name)s") % {"name": name},
        ],
    )
    parts: list[str] = []
    krs = [kr for kr in facts["key_results"] if kr["started"]]
    if facts["first_digest"]:
        parts.append(
            pick(
                "first",
                [
                    _("This is the first digest of %(name)s: here is where the plan stands.") % {"name": name},
                    _("Welcome to the weekly digest of %(name)s. A first look at where things stand.") % {"name": name},
                ],
            )
        )
    checkins, done = facts["checkins"], facts["activities_done"]
    if not checkins and not done and not facts["registrations"] and not facts["wins"]:
        parts.append(
            pick(
                "quiet",
                [
                    _("A quiet week: no check-ins and no activities completed."),
                    _("Nothing moved last week: no new check-ins, no activities done."),
                    _("Last week was calm, with no check-ins and no finished activities."),
                ],
            )
        )
    if checkins:
        moved = {}
        for c in checkins:
            moved[c["kr_id"]] = c
        lines = []
        for kr_id, c in list(moved.items())[:MAX_LINES]:
            kr = next((k for k in facts["key_results"] if k["id"] == kr_id), None)
            if kr and kr["moved_from"] and kr["moved_from"] != c["value"]:
                lines.append(
                    _("“%(kr)s” went from %(before)s to %(after)s")
                    % {"kr": c["kr"], "before": fmt(kr["moved_from"]), "after": fmt(c["value"])}
                )
            else:
                lines.append(_("“%(kr)s” is now at %(after)s") % {"kr": c["kr"], "after": fmt(c["value"])})
        intro = pick(
            "checkins",
            [
                ngettext("%(n)s check-in was posted", "%(n)s check-ins were posted", len(checkins)),
                ngettext("There was %(n)s check-in", "There were %(n)s check-ins", len(checkins)),
            ],
        ) % {"n": len(checkins)}
        if len(moved) > MAX_LINES:
            more = len(moved) - MAX_LINES
            lines.append(ngettext("%(n)s more key result", "%(n)s more key results", more) % {"n": more})
        parts.append(f"{intro}: {'; '.join(lines)}.")
    if done:
        parts.append(
            ngettext(
                "%(n)s activity was completed: %(names)s.",
                "%(n)s activities were completed: %(names)s.",
                len(done),
            )
            % {"n": len(done), "names": _names(done, "title")}
        )
    behind = [kr for kr in krs if kr["status"] == "behind"]
    at_risk = [kr for kr in krs if kr["status"] == "at_risk"]
    if behind:
        parts.append(
            pick(
                "behind",
                [
                    ngettext(
                        "Behind: %(names)s.",
                        "Behind: %(names)s.",
                        len(behind),
                    ),
                    ngettext(
                        "%(names)s needs attention: it trails its expected progress.",
                        "%(names)s need attention: they trail their expected progress.",
                        len(behind),
                    ),
                ],
            )
            % {"names": _names(behind, "name")}
        )
    if at_risk:
        parts.append(_("At risk: %(names)s.") % {"names": _names(at_risk, "name")})
    if krs and not behind and not at_risk:
        parts.append(
            pick(
                "on_track",
                [
                    _("Every key result that has started is on track."),
                    _("Good news: all running key results are on track."),
                ],
            )
        )
    overdue = facts["activities_overdue"]
    if overdue:
        parts.append(
            ngettext(
                "%(n)s activity is overdue: %(names)s.",
                "%(n)s activities are overdue: %(names)s.",
                len(overdue),
            )
            % {"n": len(overdue), "names": _names(overdue, "title")}
        )
    upcoming = facts["activities_next"]
    if upcoming:
        first = upcoming[0]
        parts.append(
            pick(
                "next",
                [
                    _("Next up: “%(title)s”, due %(due)s.") % {"title": first["title"], "due": first["due"]},
                    _("Coming next is “%(title)s” (due %(due)s).") % {"title": first["title"], "due": first["due"]},
                ],
            )
        )
    if facts["wins"]:
        parts.append(
            _("Won: %(deals)s.")
            % {
                "deals": ", ".join(
                    f"{w['name']} ({fmt(w['amount'])} {w['currency']})" for w in facts["wins"][:MAX_LINES]
                )
            }
        )
    if facts["registrations"]:
        parts.append(
            ngettext(
                "%(n)s new deal registration: %(names)s.",
                "%(n)s new deal registrations: %(names)s.",
                len(facts["registrations"]),
            )
            % {"n": len(facts["registrations"]), "names": _names(facts["registrations"], "customer")}
        )
    if facts["opportunities_new"]:
        parts.append(
            ngettext(
                "%(n)s new joint opportunity: %(names)s.",
                "%(n)s new joint opportunities: %(names)s.",
                len(facts["opportunities_new"]),
            )
            % {"n": len(facts["opportunities_new"]), "names": _names(facts["opportunities_new"], "name")}
        )
    for _app, per_partnership in sorted(facts.get("extra", {}).items()):
        for values in per_partnership.values():
            for line in values.get("digest_lines", []):
                parts.append(str(line["text"]))
    return subject, "\n\n".join(parts)


def _okr_reminder(facts: dict, name: str, pick: _Picker) -> tuple[str, str]:
    due = sorted(kr["next_checkin_due"] for kr in facts["key_results"] if kr["checkin_soon"])
    subject = _("Upcoming OKR update: %(name)s") % {"name": name}
    intro = pick(
        "intro",
        [
            _("Your next OKR check-in is due on %(date)s. Here is where each key result stands:"),
            _("A check-in is coming up on %(date)s. Where each key result stands today:"),
        ],
    ) % {"date": due[0] if due else facts["today"]}
    return subject, intro


def _opportunity(facts: dict, name: str, pick: _Picker) -> tuple[str, str]:
    room = facts["deal_room"] or {}
    subject = _("Deal room update: %(name)s") % {"name": room.get("name", name)}
    parts = []
    if room:
        text = _("%(deal)s with %(account)s: %(amount)s %(currency)s, stage %(stage)s.") % {
            "deal": room["name"],
            "account": room["account"],
            "amount": fmt(room["amount"]),
            "currency": room["currency"],
            "stage": room["stage"],
        }
        if room["expected_close"]:
            text += " " + _("Expected to close on %(date)s.") % {"date": room["expected_close"]}
        parts.append(text)
    weekly_subject, weekly = _weekly({**facts, "first_digest": False}, name, pick)
    parts.append(weekly)
    return subject, "\n\n".join(p for p in parts if p)


# Grounding ----------------------------------------------------------------------------------------

NUMBER_RE = re.compile(r"\d+(?:[.,\u00a0\u202f' ]\d+)*")
WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
SENTENCE_RE = re.compile(r"(?<=[.!?:;])\s+|\n+")
ALWAYS_ALLOWED = {
    "i",
    "okr",
    "okrs",
    "kr",
    "krs",
    "pom",
    "qbr",
    "mdf",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}


def _digits(token: str) -> str:
    return re.sub(r"\D", "", token).lstrip("0") or "0"


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return [str(value)]
    return []


def _list_lengths(value) -> set[str]:
    out = set()
    if isinstance(value, dict):
        for v in value.values():
            out |= _list_lengths(v)
    elif isinstance(value, list):
        out.add(str(len(value)))
        for v in value:
            out |= _list_lengths(v)
    return out


def grounding_problems(text: str, facts: dict, reference: str = "") -> list[str]:
    """Why `text` is not grounded in `facts`, or [] when it is.

    1. Numbers: every number in the text (separators ignored, so 200,000 and 200.000 are the same
       figure) must be a number of the facts (values, dates, counts of rows) or of `reference`,
       the deterministic text written from the same facts.
    2. Names: every word starting with a capital letter that is not the first word of a sentence
       must appear in the facts or in `reference` (names of partners, key results, people,
       activities, deals), or be a weekday or an abbreviation such as OKR.
    """
    sources = _strings(facts) + [reference]
    allowed_numbers = {_digits(m) for s in sources for m in NUMBER_RE.findall(s)} | _list_lengths(facts)
    allowed_words = {w.lower() for s in sources for w in WORD_RE.findall(s)} | ALWAYS_ALLOWED
    problems = []
    for token in NUMBER_RE.findall(text):
        if _digits(token) not in allowed_numbers:
            problems.append(_("the number %(n)s is not in the facts") % {"n": token})
    for sentence in SENTENCE_RE.split(text):
        words = WORD_RE.findall(sentence)
        for word in words[1:]:
            bare = re.sub(r"['’]s$", "", word).lower().strip("'’-")
            if word[0].isupper() and bare not in allowed_words:
                problems.append(_("the name %(w)s is not in the facts") % {"w": word})
    return list(dict.fromkeys(problems))


SYSTEM_PROMPT = (
    "You write the short weekly e-mail update of a business partnership for the people on both sides. "
    "Write 2 to 5 friendly, plain sentences in the language with code {language}. Use only the facts in "
    "the JSON you are given: never add a number, a date, a person, a company or a deal that is not in "
    "them. Do not greet anybody and do not sign: POM adds the greeting, the figures and the links."
)


def llm_write(*, kind: str, facts: dict, reference: str, language: str) -> tuple[str | None, str]:
    """The LLM's text, or (None, why not). Never raises for the endpoint's failures."""
    url = getattr(settings, "POM_DIGEST_LLM_URL", "")
    if not url:
        return None, _("no language model endpoint is configured")
    payload = {
        "model": settings.POM_DIGEST_LLM_MODEL,
        "temperature": 0.3,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
            {
                "role": "user",
                "content": json.dumps({"kind": kind, "facts": facts, "draft": reference}, ensure_ascii=False),
            },
        ],
    }
    headers = {"Content-Type": "application/json"}
    if settings.POM_DIGEST_LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.POM_DIGEST_LLM_API_KEY}"
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.POM_DIGEST_LLM_TIMEOUT) as response:  # noqa: S310
            raw = response.read(200_000)
    except TimeoutError:
        return None, _("the language model did not answer in time")
    except urllib.error.HTTPError as exc:
        return None, _("the language model answered with HTTP %(code)s") % {"code": exc.code}
    except (urllib.error.URLError, OSError) as exc:
        if "timed out" in str(exc):
            return None, _("the language model did not answer in time")
        return None, _("the language model could not be reached")
    try:
        text = json.loads(raw)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None, _("the language model's answer was not a chat completion")
    if not isinstance(text, str) or not text.strip():
        return None, _("the language model's answer was empty")
    text = text.strip()
    if len(text) > 4000:
        return None, _("the language model's answer was too long")
    problems = grounding_problems(text, facts, reference)
    if problems:
        return None, _("grounding check failed: %(problems)s") % {"problems": "; ".join(problems[:3])}
    return text, ""

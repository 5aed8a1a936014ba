"""Languages (docs/i18n.md): no template text outside the translation tags, complete catalogues,
pages in the reader's language, amounts and dates per locale, e-mails in the recipient's language."""

import datetime
import gettext
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from pom import i18n_check, services
from pom.models import Role
from tests.factories import UserFactory
from tests.factories.attribution import OpportunityFactory


@pytest.fixture(autouse=True)
def _default_language():
    """A request activates its reader's language for the thread; the next test starts in the default."""
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def msgids():
    """Every message id of the tree, extracted once per session (makemessages takes seconds)."""
    return i18n_check.extract_msgids()


def test_templates_have_no_text_outside_translation_tags():
    findings = i18n_check.untranslated_template_text()
    assert findings == [], "Wrap these in {% translate %} (or run manage.py i18n_check --wrap):\n" + "\n".join(
        map(str, findings)
    )


def test_checker_finds_plain_text_and_accepts_translated_text(tmp_path):
    (tmp_path / "plain.html").write_text(
        '{% load i18n %}<h1>Partners</h1><input placeholder="Search names"><p>{{ n }} · 5 %</p>'
    )
    (tmp_path / "done.html").write_text(
        '{% load i18n %}<h1>{% translate "Partners" %}</h1><input placeholder="{% translate \'Search\' %}">'
        "{# a note #}<script>var x = 'text';</script><p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
        "</p><span>POM · API · accounts.csv</span>"
    )
    (tmp_path / "mail.txt").write_text("{% load i18n %}{% translate 'Hello,' %}\nOpen it: {{ url }}\n")
    found = {(f.template, f.text) for f in i18n_check.untranslated_template_text([tmp_path])}
    assert found == {("plain.html", "Partners"), ("plain.html", "Search names"), ("mail.txt", "Open it: …")}


def test_every_catalogue_translates_every_message_id(msgids):
    assert len(msgids) > 1000
    for language in ("nl", "fr", "de"):
        problems = i18n_check.catalogue_problems(language, msgids)
        assert problems == {"missing": [], "untranslated": [], "fuzzy": []}, (
            f"{language}: run `make messages`, fill the entries `manage.py i18n_check` lists, commit .po and .mo"
        )


def _messages(mo):
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)._catalog


def test_compiled_catalogues_match_their_po_files(tmp_path):
    for language in ("nl", "fr", "de"):
        po = i18n_check.catalogue_path(language)
        fresh = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
        assert _messages(po.with_suffix(".mo")) == _messages(fresh), f"{language}: django.mo is stale; make messages"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, words",
    [("nl", ["Rapporten", "Zoeken"]), ("fr", ["Rapports", "Rechercher"]), ("de", ["Berichte", "Suchen"])],
)
def test_signed_in_user_reads_pages_in_their_language(client_for, member, org, language, words):
    member.language = language
    member.save(update_fields=["language"])
    page = client_for(member).get(reverse("partners:list", args=[org.slug]), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 200 and f'<html lang="{language}">' in body
    assert all(word in body for word in words)
    assert "Your partner portfolio" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language, word", [("nl", "Aanmelden"), ("fr", "Connexion"), ("de", "Anmelden")])
def test_sign_in_page_follows_the_browser_language(client, language, word):
    body = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5").content.decode()
    assert f'<html lang="{language}">' in body and word in body


@pytest.mark.django_db
def test_amount_and_date_are_formatted_per_locale(client_for, member, org):
    deal = OpportunityFactory(
        organization=org, amount=Decimal("12500.50"), currency="EUR", expected_close=datetime.date(2026, 12, 3)
    )
    url = reverse("attribution:opportunity", args=[org.slug, deal.pk])
    english = client_for(member).get(url).content.decode()
    assert "€12,500.50" in english and "3 Dec 2026" in english
    member.language = "de"
    member.save(update_fields=["language"])
    german = client_for(member).get(url).content.decode()
    assert "12.500,50\xa0€" in german and "3 Dez 2026" in german
    with translation.override("fr"):
        assert Template("{% load pom_tags %}{{ a|money:'USD' }}").render(Context({"a": 1234})) == "1\u202f234,00\xa0$US"


@pytest.mark.django_db
def test_invitation_mail_is_in_the_recipients_language(org, owner, django_capture_on_commit_callbacks):
    UserFactory(email="claire@lyon.example", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(org=org, actor=owner, email="claire@lyon.example", role=Role.VIEWER)
        services.invitation_create(org=org, actor=owner, email="nobody@ghent.example", role=Role.VIEWER)
    claire, unknown = mail.outbox[-2:]
    assert "vous a invité" in claire.subject and "Acceptez l'invitation ici" in claire.body
    assert "invited you to" in unknown.subject  # no account yet: the inviter's language


@pytest.mark.django_db
def test_language_switch_saves_the_choice_and_stays_on_this_site(client_for, member, org):
    client = client_for(member)
    response = client.post(reverse("language_set"), {"language": "nl", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    member.refresh_from_db()
    assert member.language == "nl" and response.cookies["django_language"].value == "nl"
    page = client.get(reverse("profile")).content.decode()
    assert '<html lang="nl">' in page and "Uw profiel" in page
    assert client.post(reverse("language_set"), {"language": "xx"}).status_code == 400
    client.post(reverse("language_set"), {"language": "", "next": "/accounts/profile/"})
    member.refresh_from_db()
    assert member.language == ""


def test_todo_table_lists_what_is_left_and_fill_writes_it_back(tmp_path, settings):
    from pom import i18n_fill

    originals = {}
    for language in ("nl",):
        source = i18n_check.catalogue_path(language)
        target = tmp_path / language / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True)
        originals[language] = source.read_text(encoding="utf-8")
        target.write_text(originals[language], encoding="utf-8")
    settings.LOCALE_PATHS = [str(tmp_path)]
    nl = i18n_check.catalogue_path("nl")
    done = 'msgid "Viewers cannot upload files."\nmsgstr "Lezers kunnen geen bestanden uploaden."\n'
    assert done in originals["nl"]
    nl.write_text(originals["nl"].replace(done, 'msgid "Viewers cannot upload files."\nmsgstr ""\n'), encoding="utf-8")
    table = tmp_path / "todo.tsv"
    assert i18n_fill.todo_write(table, ["nl"]) == 1
    rows = table.read_text(encoding="utf-8").splitlines()
    assert rows == ["msgid\tnl", "Viewers cannot upload files.\t"]
    table.write_text(rows[0] + "\n" + rows[1] + "Lezers kunnen geen bestanden uploaden.\n", encoding="utf-8")
    assert i18n_fill.fill(table, ["nl"]) == {"nl": 1}
    assert nl.read_text(encoding="utf-8") == originals["nl"]

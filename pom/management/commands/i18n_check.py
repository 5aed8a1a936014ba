"""`manage.py i18n_check`: what is left to translate (docs/i18n.md).

Lists template text outside the translation tags, then per language the message ids its catalogue
misses, leaves empty or marks fuzzy (after `make messages`, these are the entries to fill in).
`--wrap` first wraps plain template text in translation tags, in place (pom.i18n_wrap).
`--todo FILE` writes what is left as a table to fill in; `--fill FILE` writes it back (pom.i18n_fill).
Exits with status 1 when anything is left.
"""

from django.core.management.base import BaseCommand, CommandError

from pom import i18n_check


class Command(BaseCommand):
    help = "List template text outside translation tags and untranslated catalogue entries per language."

    def add_arguments(self, parser):
        parser.add_argument("--wrap", action="store_true", help="Wrap plain template text in translation tags first.")
        parser.add_argument("--language", action="append", help="Only these languages (repeatable).")
        parser.add_argument("--todo", help="Write the entries left to translate to this TSV file.")
        parser.add_argument("--fill", help="Write the translations of this TSV file into the catalogues.")

    def handle(self, *args, wrap=False, language=None, todo=None, fill=None, **options):
        from pathlib import Path

        from pom import i18n_fill

        if fill:
            for code, count in i18n_fill.fill(Path(fill), language).items():
                self.stdout.write(f"{code}: {count} entries written; run `make messages` to compile")
        if wrap:
            from pom.i18n_wrap import wrap_file

            for folder in i18n_check.template_dirs():
                for path in sorted(folder.rglob("*.html")):
                    if path.relative_to(folder).as_posix() in i18n_check.ALLOWED_TEMPLATES:
                        continue
                    if count := wrap_file(path):
                        self.stdout.write(f"wrapped {count} piece(s) of text in {path}")
        left = 0
        for finding in i18n_check.untranslated_template_text():
            self.stdout.write(f"template text outside translation tags: {finding}")
            left += 1
        msgids = i18n_check.extract_msgids()
        for code in language or i18n_check.translated_languages():
            problems = i18n_check.catalogue_problems(code, msgids)
            for kind, ids in problems.items():
                for msgid in ids:
                    self.stdout.write(f"{code} {kind}: {msgid.replace(chr(0), ' | ').replace(chr(4), ' :: ')!r}")
                    left += 1
            counts = ", ".join(f"{len(ids)} {kind}" for kind, ids in problems.items())
            self.stdout.write(f"{code}: {len(msgids)} message ids; {counts}")
        if todo:
            rows = i18n_fill.todo_write(Path(todo), language)
            self.stdout.write(f"{rows} entries to translate written to {todo}; fill it, then --fill {todo}")
        if left:
            raise CommandError(f"{left} thing(s) left to translate; see docs/i18n.md")
        self.stdout.write("All text is translated.")

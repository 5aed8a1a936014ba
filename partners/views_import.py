"""Partner import: upload, mapping preview, commit, errors file and template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from partners import forms, import_runs, importing, selectors
from partners.models import (
    ImportRun,
)
from partners.views import PartnersView, _get
from pom import jobs, validation
from pom.models import Role
from pom.pages import add_errors, error_text

# Import -----------------------------------------------------------------------------------------


class ImportView(PartnersView):
    template_name = "partners/import.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, form=None, status=200):
        context = self.ctx(
            form=form or forms.ImportUploadForm(),
            runs=selectors.import_run_list(org=self.org)[:10],
            fields=importing.FIELDS,
            max_mb=importing.MAX_UPLOAD_BYTES // (1024 * 1024),
            limits=importing.LIMITS.describe(),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        form = forms.ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                run = import_runs.import_run_create(org=self.org, actor=request.user, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return redirect("partners:import_run", org_slug=self.org.slug, pk=run.pk)
        return self.get(request, org_slug, form=form, status=400)


class ImportRunView(PartnersView):
    """Column mapping (GET), then dry-run preview (POST): every invalid row and field is listed."""

    template_name = "partners/import_run.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def run(self, pk) -> ImportRun:
        return _get(selectors.import_run_list(org=self.org), pk)

    def get(self, request, org_slug, pk):
        run = self.run(pk)
        form = forms.ImportMappingForm(headers=run.headers, initial_mapping=run.mapping)
        job = jobs.job_latest(org=self.org, kind=import_runs.JOB_KIND, key=str(run.pk))
        return render(request, self.template_name, self.ctx(run=run, form=form, preview=None, job=job))

    def post(self, request, org_slug, pk):
        run = self.run(pk)
        form = forms.ImportMappingForm(request.POST, headers=run.headers, initial_mapping=run.mapping)
        preview = None
        status = 400
        if form.is_valid():
            try:
                rows = import_runs.import_run_preview(org=self.org, run=run, mapping=form.mapping())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                status = 200
                preview = {
                    "rows": rows[:200],
                    "more": max(0, len(rows) - 200),
                    "errors": run.errors,
                    "error_rows": len({e["row"] for e in run.errors}),
                }
        return render(request, self.template_name, self.ctx(run=run, form=form, preview=preview), status=status)


class ImportCommitView(PartnersView):
    required_role = Role.MANAGER

    def post(self, request, org_slug, pk):
        run = _get(selectors.import_run_list(org=self.org), pk)
        try:
            import_runs.import_run_commit(org=self.org, actor=request.user, run=run)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The import runs in the background; this page shows its progress."))
        return redirect("partners:import_run", org_slug=self.org.slug, pk=run.pk)


class ImportErrorsView(PartnersView):
    """The dry run's or the commit's problems as a CSV file: row, field, problem."""

    required_role = Role.MANAGER

    def get(self, request, org_slug, pk):
        run = _get(selectors.import_run_list(org=self.org), pk)
        response = HttpResponse(validation.errors_csv(run.errors), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        return response


class ImportTemplateView(PartnersView):
    def get(self, request, org_slug, fmt):
        if fmt == "csv":
            response = HttpResponse(import_runs.template_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(
                import_runs.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            raise Http404(_("No such template"))
        response["Content-Disposition"] = f'attachment; filename="pom-partners-template.{fmt}"'
        return response

"""The search-as-you-type picker's endpoint (pom/picker.py): at most 20 matching partners or partnerships."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from partners import selectors
from pom import picker
from pom.pages import OrgPage


class PickView(OrgPage):
    """`GET ?q=` (or the picker's own `<field>_name`): `<li role="option">`s for the picker's listbox."""

    def get(self, request, org_slug, kind):
        if kind not in picker.KINDS:
            raise Http404
        q = request.GET.get("q") or next((v for k, v in request.GET.items() if k.endswith("_name")), "")
        pick = selectors.partner_pick if kind == "partners" else selectors.partnership_pick
        response = render(request, "pom/_picker_options.html", {"rows": pick(org=self.org, q=q[:100])})
        response["Cache-Control"] = "private, no-store"
        return response

"""Form errors are tied to their fields for screen readers: the invalid control says so
(aria-invalid) and points at its error and help text (aria-describedby), whose ids exist."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string


class PartnerNameForm(forms.Form):
    name = forms.CharField(help_text="As written on the contract.")
    website = forms.URLField(required=False, assume_scheme="https")


@pytest.mark.parametrize(
    ("template", "key"), [("pom/_form_fields.html", "form"), ("allauth/elements/fields.html", "attrs")]
)
def test_invalid_field_points_at_its_error_and_help_text(template, key):
    form = PartnerNameForm(data={"name": "", "website": "not a url"})
    assert not form.is_valid()
    html = render_to_string(template, {key: {"form": form} if key == "attrs" else form})
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in name_input
    described = re.search(r'aria-describedby="([^"]+)"', name_input).group(1).split()
    assert set(described) == {"id_name_helptext", "id_name_error"}
    for element_id in described:
        assert f'id="{element_id}"' in html
    assert "This field is required." in html
    website_input = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in website_input and 'aria-describedby="id_website_error"' in website_input

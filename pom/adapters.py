from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """After login, go where the person has work: see `pom.views.home`."""

    def get_login_redirect_url(self, request):
        nxt = request.GET.get("next") or request.POST.get("next")
        if nxt and self.is_safe_url(nxt):
            return nxt
        return reverse("home")

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "") or user.name
        tz = form.cleaned_data.get("time_zone")
        if tz:
            user.time_zone = tz
        if commit:
            user.save()
        return user

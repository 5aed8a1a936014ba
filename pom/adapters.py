from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """POM's allauth hooks: where people land after login, and mail through the Celery task."""

    def get_login_redirect_url(self, request):
        """Back to `?next=` (an invitation link, say), else `pom.views.home` picks the place.

        Home sends a member to their organization's dashboard and a person without any
        membership to "create your organization", which is how first login works.
        """
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

    def send_mail(self, template_prefix, email, context):
        """Render allauth's message as usual, then hand it to `pom.tasks.send_email` after commit."""
        from pom.services import email_send  # lazy: services imports models allauth may not have ready

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), None
        )
        email_send(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
        )

from django.apps import AppConfig


class PomConfig(AppConfig):
    name = "pom"
    verbose_name = "POM core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pom.api import schema  # registers the drf-spectacular extensions

        schema.install_enum_name_overrides()
        from django.contrib import admin

        from pom import admin_auto  # every model in the admin, filtered, searchable and audited

        admin_auto.complete(admin.site)
        from allauth.account.signals import password_reset, user_logged_in
        from django.db.models.signals import post_migrate

        from pom import rls_hooks

        post_migrate.connect(rls_hooks.install_after_migrate, sender=self, dispatch_uid="pom-rls-install")
        rls_hooks.connect_task_scope()
        password_reset.connect(_unlock_after_password_reset, dispatch_uid="pom-unlock-after-reset")
        user_logged_in.connect(_after_sso_login, dispatch_uid="pom-after-sso-login")


def _unlock_after_password_reset(sender, request, user, **kwargs):
    """Resetting the password is the unlock path of a locked account (pom.security)."""
    from pom import security

    security.account_unlock(user=user, actor=user, reason="password reset")


def _after_sso_login(sender, request, user, sociallogin=None, **kwargs):
    """Single sign-on through an organization's provider: membership on first sign-in, and this
    session counts as signed in through it (for "require SSO")."""
    if sociallogin is None:
        return
    from pom import sso

    config = sso.config_for_provider(sociallogin.account.provider)
    if config is None:
        return
    sso.sso_jit_membership(config=config, user=user)
    sso.session_mark(request, config.organization)

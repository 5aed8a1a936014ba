"""The realistic mix for bench/load/run.py: a partner manager's pages and an integration's API calls.

Environment (set by run.py): POM_LOAD_ORG, POM_LOAD_EMAIL, POM_LOAD_PASSWORD, POM_LOAD_API_KEY,
POM_LOAD_PLAN (a plan id), POM_LOAD_KR (a key result id of it), POM_LOAD_WORKSPACE (a workspace uuid),
POM_LOAD_PARTNERS (comma-separated partner ids to open).
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

ORG = os.environ.get("POM_LOAD_ORG", "nimbus")
PARTNERS = [int(p) for p in os.environ.get("POM_LOAD_PARTNERS", "1").split(",") if p]
FILTERS = [
    {},
    {"status": "active"},
    {"q": "cloud"},
    {"region": "EMEA", "sort": "-partnerships"},
    {"status": "prospect", "page": "3"},
    {"sort": "name", "page": "20"},
]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PartnerManager(HttpUser):
    """A vendor partner manager in the browser: lists, a partner, a plan and a check-in, the feed."""

    weight = 3
    wait_time = between(0.5, 2)

    def on_start(self):
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {
                "login": os.environ["POM_LOAD_EMAIL"],
                "password": os.environ["POM_LOAD_PASSWORD"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )

    @task(5)
    def partner_list(self):
        self.client.get(f"/o/{ORG}/partners/", params=random.choice(FILTERS), name="page: partner list")

    @task(3)
    def partner_page(self):
        self.client.get(f"/o/{ORG}/partners/{random.choice(PARTNERS)}/", name="page: partner")

    @task(2)
    def plan_page(self):
        self.client.get(f"/o/{ORG}/plans/{os.environ['POM_LOAD_PLAN']}/", name="page: plan")

    @task(1)
    def check_in(self):
        page = self.client.get(f"/o/{ORG}/plans/{os.environ['POM_LOAD_PLAN']}/", name="page: plan")
        match = CSRF.search(page.text) if page.ok else None
        token = match.group(1) if match else self.client.cookies.get("csrftoken", "")
        self.client.post(
            f"/o/{ORG}/plans/key-results/{os.environ['POM_LOAD_KR']}/check-in/",
            {"value": str(random.randint(1, 50)), "note": "load test", "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + f"/o/{ORG}/plans/", "HX-Request": "true"},
            name="post: check-in",
        )

    @task(2)
    def workspace_feed(self):
        self.client.get(f"/w/{os.environ['POM_LOAD_WORKSPACE']}/feed/", name="page: workspace feed")

    @task(2)
    def pipeline(self):
        self.client.get(f"/o/{ORG}/pipeline/", name="page: pipeline list")

    @task(2)
    def pick_partner(self):
        """Typing in a filter bar's partner picker (pom/picker.py): a few letters, at most 20 matches."""
        q = random.choice(["bench", "cloud", "00", "systems", "bench partner 01", "at"])
        self.client.get(f"/o/{ORG}/partners/pick/partners/", params={"q": q}, name="page: partner picker")


class Integration(HttpUser):
    """A CRM integration on the API: partner list pages with filters, bulk upserts; and, for the
    comparison, the raw `.values()` page of the same rows (bench/load/urls.py)."""

    weight = 2
    wait_time = between(0.2, 1)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {os.environ['POM_LOAD_API_KEY']}"

    @task(6)
    def api_list(self):
        params = random.choice(
            [{}, {"status": "active"}, {"page": str(random.randint(1, 200))}, {"ordering": "-created_at"}]
        )
        self.client.get(f"/api/o/{ORG}/partners/", params=params, name="api: partner list")

    @task(6)
    def raw_list(self):
        self.client.get(
            f"/bench/raw/o/{ORG}/partners/", params={"page": str(random.randint(1, 200))}, name="raw: values() list"
        )

    @task(1)
    def bulk_upsert(self):
        n = random.randint(0, 499)
        items = [
            {"name": f"Load Partner {n * 10 + i:05d}", "domain": f"load-{n * 10 + i:05d}.example", "status": "active"}
            for i in range(10)
        ]
        self.client.post(f"/api/o/{ORG}/partners/bulk-upsert/", json={"partners": items}, name="api: bulk upsert")


class ApiListOnly(HttpUser):
    """The API list alone, no think time (compared with RawOnly in the same run)."""

    wait_time = between(0, 0)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {os.environ['POM_LOAD_API_KEY']}"

    @task
    def api_list(self):
        self.client.get(
            f"/api/o/{ORG}/partners/", params={"page": str(random.randint(1, 200))}, name="api: partner list"
        )


class RawOnly(HttpUser):
    """The raw `.values()` page of the same rows alone, no think time (not a subclass of ApiListOnly:
    locust would inherit its task too)."""

    wait_time = between(0, 0)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {os.environ['POM_LOAD_API_KEY']}"

    @task
    def raw_list(self):
        self.client.get(
            f"/bench/raw/o/{ORG}/partners/", params={"page": str(random.randint(1, 200))}, name="raw: values() list"
        )

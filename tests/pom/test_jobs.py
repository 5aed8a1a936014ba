"""Background jobs (`pom.jobs`): request, debounce, claim, progress, failure, reclaim, cancel, pages, API."""

import datetime

import pytest
from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from pom import jobs
from pom.models import Job, Role
from tests.factories import MembershipFactory, PartnershipFactory, WorkspaceMemberFactory, WorkspacePartnershipFactory

ran: list[tuple[int, int]] = []


def _count_body(*, job, progress):
    """Counts to the number in its params, reporting progress; fails on request."""
    ran.append((job.pk, job.attempts))
    total = job.params.get("n", 3)
    for done in range(1, total + 1):
        progress.update(done=done, total=total, message=f"Counted {done}")
    if job.params.get("fail"):
        raise ValueError("the count went wrong")
    return {"counted": total}


@shared_task(name="tests.pom.test_jobs.count_job")
def count_job(organization_id: int, job_id: int) -> None:
    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=_count_body)


@pytest.fixture(autouse=True)
def _calls():
    ran.clear()
    yield


def _request(org, member, **params):
    return jobs.job_request(org=org, kind="tests.count", task=count_job, actor=member, label="Count", params=params)


def test_a_requested_job_runs_once_committed_and_stores_its_result(org, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(org, member, n=4)
        assert job.status == Job.Status.QUEUED
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.progress, job.done_count, job.total_count) == (100, 4, 4)
    assert job.result == {"counted": 4}
    assert job.message == "Counted 4"
    assert job.attempts == 1 and job.started_at and job.finished_at
    assert job.requested_by == member


def test_requests_while_one_is_queued_join_it(org, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _request(org, member, n=1)
        second = _request(org, member, n=9)
        other_key = jobs.job_request(org=org, kind="tests.count", key="7", task=count_job)
    assert first.pk == second.pk != other_key.pk
    assert len(callbacks) == 2
    assert Job.objects.for_org(org).count() == 2


def test_a_job_that_is_done_is_not_run_again_by_a_duplicate_message(org, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(org, member)
    count_job(org.id, job.pk)  # a redelivered or duplicated message
    assert len(ran) == 1


def test_a_failing_body_marks_the_job_failed_with_its_reason(org, member, django_capture_on_commit_callbacks):
    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        job = _request(org, member, fail=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "ValueError: the count went wrong"
    assert job.finished_at is not None


def _running(org, *, attempts=1, lease_ago=60, **params):
    now = timezone.now()
    return Job.objects.create(
        organization=org,
        kind="tests.count",
        task_name=count_job.name,
        status=Job.Status.RUNNING,
        attempts=attempts,
        params=params,
        started_at=now - datetime.timedelta(minutes=10),
        lease_expires_at=now - datetime.timedelta(seconds=lease_ago),
    )


def test_a_job_whose_worker_died_is_restarted_and_completes(org, django_capture_on_commit_callbacks):
    job = _running(org, attempts=1, n=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_reclaim() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.attempts == 2
    assert ran == [(job.pk, 2)]


def test_a_job_with_a_live_lease_is_left_alone(org, django_capture_on_commit_callbacks):
    job = _running(org, lease_ago=-120)  # the lease runs for two more minutes
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_reclaim() == 0
    count_job(org.id, job.pk)  # and a duplicate message cannot take it from its worker
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and ran == []


def test_after_its_last_attempt_a_dead_job_fails_saying_so(org, django_capture_on_commit_callbacks):
    job = _running(org, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.jobs_reclaim()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "attempt 3 of 3" in job.error
    assert ran == []


def test_a_stale_attempt_cannot_report_or_finish_once_reclaimed(org, member, django_capture_on_commit_callbacks):
    def body(*, job, progress):
        # Meanwhile the lease ran out and another worker took the job (attempt 2).
        Job.objects.filter(pk=job.pk).update(attempts=job.attempts + 1)
        progress.update(done=1, total=2)
        return {"stale": True}

    job = Job.objects.create(organization=org, kind="tests.stale", task_name=count_job.name)
    assert jobs.job_execute(organization_id=org.id, job_id=job.pk, body=body) is None
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.result == {} and job.done_count == 0


def test_cancelling_stops_a_running_job_at_its_next_report(org, member):
    def body(*, job, progress):
        jobs.job_cancel(org=org, job=job)
        progress.update(done=1, total=2)
        raise AssertionError("not reached")

    job = Job.objects.create(organization=org, kind="tests.cancel", task_name=count_job.name)
    jobs.job_execute(organization_id=org.id, job_id=job.pk, body=body)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_a_second_job_of_the_same_kind_waits_and_starts_when_the_first_ends(org, django_capture_on_commit_callbacks):
    first = Job.objects.create(organization=org, kind="tests.count", task_name=count_job.name)

    def body(*, job, progress):
        # A change arrives while the first job runs: the new request queues behind it.
        second = _request(org, None, n=1)
        assert jobs.job_execute(organization_id=org.id, job_id=second.pk, body=_count_body) is None
        assert Job.objects.get(pk=second.pk).status == Job.Status.QUEUED
        return {"first": True}

    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_execute(organization_id=org.id, job_id=first.pk, body=body)
    statuses = dict(Job.objects.for_org(org).values_list("pk", "status"))
    assert statuses[first.pk] == Job.Status.DONE
    assert sorted(statuses.values()) == [Job.Status.DONE, Job.Status.DONE]
    assert len(ran) == 1  # the second job ran its body once, after the first ended


# Pages and API ------------------------------------------------------------------------------------


@pytest.fixture
def done_job(org, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(org, member, n=2)
    job.refresh_from_db()
    return job


@pytest.fixture
def partner_guest(org):
    link = WorkspacePartnershipFactory(partnership=PartnershipFactory(organization=org), workspace__organization=org)
    return WorkspaceMemberFactory(workspace=link.workspace, side="partner", role="editor").user


def test_a_viewer_sees_the_job_page_and_its_polling_fragment(org, viewer, done_job, client_for):
    client = client_for(viewer)
    page = client.get(reverse("org_job", args=[org.slug, done_job.pk]))
    assert page.status_code == 200
    assert b"Count" in page.content and b"Done" in page.content
    fragment = client.get(reverse("org_job", args=[org.slug, done_job.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    assert b"hx-trigger" not in fragment.content  # a finished job stops polling


def test_an_active_job_polls_and_a_manager_can_cancel_it(org, member, viewer, client_for):
    job = _running(org, lease_ago=-300)
    fragment = client_for(viewer).get(reverse("org_job", args=[org.slug, job.pk]), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 2s"' in fragment.content and b"Cancel" not in fragment.content
    assert client_for(viewer).post(reverse("org_job_cancel", args=[org.slug, job.pk])).status_code == 403
    response = client_for(member).post(reverse("org_job_cancel", args=[org.slug, job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_job_list_is_for_admins_and_filters_by_status(org, admin_user, member, done_job, client_for):
    failed = Job.objects.create(organization=org, kind="tests.other", task_name=count_job.name, status="failed")
    url = reverse("org_jobs", args=[org.slug])
    assert client_for(member).get(url).status_code == 403
    response = client_for(admin_user).get(url, {"status": "failed"})
    assert response.status_code == 200
    assert [j.pk for j in response.context["page"].object_list] == [failed.pk]


def test_job_list_query_count_does_not_grow_with_jobs(org, admin_user, client_for, django_assert_max_num_queries):
    client = client_for(admin_user)
    url = reverse("org_jobs", args=[org.slug])
    Job.objects.bulk_create(
        [Job(organization=org, kind="tests.bulk", key=str(i), task_name="x", requested_by=admin_user) for i in range(3)]
    )
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    Job.objects.bulk_create(
        [
            Job(organization=org, kind="tests.bulk", key=str(i), task_name="x", requested_by=admin_user)
            for i in range(3, 40)
        ]
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_result_file_downloads_for_members_only(org, viewer, other_member, outsider, client_for):
    def body(*, job, progress):
        progress.attach(filename="errors.csv", content=b"row,field,error\n2,name,Required\n")
        return {}

    job = Job.objects.create(organization=org, kind="tests.file", task_name=count_job.name)
    jobs.job_execute(organization_id=org.id, job_id=job.pk, body=body)
    url = reverse("org_job_file", args=[org.slug, job.pk])
    response = client_for(viewer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"row,field,error")
    assert "attachment" in response["Content-Disposition"]
    for user in (other_member, outsider):
        assert client_for(user).get(url).status_code == 404


def test_other_tenants_outsiders_and_partner_guests_get_404(
    org, other_org, done_job, other_member, outsider, partner_guest, client_for
):
    foreign = Job.objects.create(organization=other_org, kind="tests.count", task_name=count_job.name)
    own_member = MembershipFactory(organization=org, role=Role.OWNER).user
    for name in ("org_job", "org_job_file"):
        assert client_for(own_member).get(reverse(name, args=[org.slug, foreign.pk])).status_code == 404
    assert client_for(own_member).post(reverse("org_job_cancel", args=[org.slug, foreign.pk])).status_code == 404
    for user in (other_member, outsider, partner_guest):
        client = client_for(user)
        assert client.get(reverse("org_job", args=[org.slug, done_job.pk])).status_code == 404
        assert client.post(reverse("org_job_cancel", args=[org.slug, done_job.pk])).status_code == 404
        assert client.get(reverse("org_jobs", args=[org.slug])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Job.Status.QUEUED


def test_api_lists_and_reads_jobs_for_read_keys_and_hides_other_tenants(org, other_org, done_job, api_key_client):
    foreign = Job.objects.create(organization=other_org, kind="tests.count", task_name=count_job.name)
    client = api_key_client("read")
    listing = client.get(reverse("pom-api:job-list", args=[org.slug]), {"status": "done"})
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [done_job.pk]
    detail = client.get(reverse("pom-api:job-detail", args=[org.slug, done_job.pk])).json()
    assert detail["status"] == "done" and detail["result"] == {"counted": 2} and detail["result_file_url"] is None
    assert client.get(reverse("pom-api:job-detail", args=[org.slug, foreign.pk])).status_code == 404
    other_key = api_key_client("read", for_org=other_org)
    assert other_key.get(reverse("pom-api:job-detail", args=[org.slug, done_job.pk])).status_code == 404

"""Tasks a request queues go to the broker once its answer is sent (festival/services.py), and at once outside a
request."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import transaction

from festival import services


class Task:
    name = "festival.tests.recorded"

    def __init__(self, fails=False):
        self.sent, self.fails = [], fails

    def delay(self, *args):
        if self.fails:
            raise RuntimeError("the broker said no")
        self.sent.append(args)


@pytest.mark.django_db(transaction=True)
def test_a_request_sends_its_tasks_after_its_answer_and_only_committed_ones():
    task = Task()
    request_started.send(sender=None)
    try:
        with transaction.atomic():
            services._queue_after_commit(task, 1)
        assert task.sent == []  # committed, and waiting for the answer to be sent
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            services._queue_after_commit(task, 2)
            1 / 0  # rolled back: never sent
    finally:
        request_finished.send(sender=None)
    assert task.sent == [(1,)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_request_a_task_is_sent_when_its_transaction_commits():
    task = Task()
    with transaction.atomic():
        services._queue_after_commit(task, 3)
        assert task.sent == []
    assert task.sent == [(3,)]


@pytest.mark.django_db(transaction=True)
def test_a_task_that_cannot_be_sent_after_the_answer_does_not_stop_the_others(caplog):
    failing, working = Task(fails=True), Task()
    request_started.send(sender=None)
    try:
        with transaction.atomic():
            services._queue_after_commit(failing, 1)
            services._queue_after_commit(working, 2)
    finally:
        request_finished.send(sender=None)
    assert working.sent == [(2,)]
    assert "Could not queue a task after the answer was sent" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_page_that_queues_a_letter_sends_it_once_its_answer_is_complete(client, monkeypatch):
    import traceback

    from django.core import mail
    from django.urls import reverse

    from festival import tasks
    from tests import factories

    user = factories.StudentFactory(email_confirmed_at=None, email="wait@example.kz")
    original, sent_from = tasks.send_email_confirmation.delay, []

    def delay(*args):
        sent_from.append([(frame.name, frame.filename) for frame in traceback.extract_stack()])
        return original(*args)

    monkeypatch.setattr(tasks.send_email_confirmation, "delay", delay)
    answer = client.post(reverse("resend_confirmation"), {"email": user.email})
    assert answer.status_code == 302
    assert [m.to for m in mail.outbox] == [["wait@example.kz"]]
    # Sent by the handler of request_finished (the server's signal that the answer is written), not by the view.
    (stack,) = sent_from
    assert any(name == "request_finished" and filename.endswith("festival/services.py") for name, filename in stack)
    assert not any(name == "resend_confirmation" for name, _filename in stack)

"""E-mail to whoever must act next, delivered to a real SMTP server on loopback.

The server is aiosmtpd, started per test on a free port of 127.0.0.1;
CKAN's own mailer (``ckan.lib.mailer``) talks SMTP to it. The transitions run
through the action layer; their background job goes to the real Redis, and
the tests send by calling ``notify.send()`` (what the job and the CLI run).
"""
from __future__ import annotations

import email
import email.policy
import socket
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.sopsektoral import notify, sop
from ckanext.sopsektoral.model import Event, Notification
from ckanext.sopsektoral.tests.helpers import Cast, advance, as_user, assign

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")

SUBJECT = "Permintaan Data Statistik Sektoral Tahun 2026"


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(address for rcpt_tos, _ in self.messages for address in rcpt_tos)

    def bodies(self) -> list[str]:
        return [message.get_content() for _, message in self.messages]

    def clear(self) -> None:
        self.messages.clear()


class MailServer:
    """A real SMTP server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(ckan_config):
    """A running SMTP server, and CKAN configured to send through it."""
    server = MailServer(_free_port())
    server.start()
    ckan_config["smtp.server"] = f"127.0.0.1:{server.port}"
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- helpers

def notifications(**filters: Any) -> list[Notification]:
    model.Session.expire_all()
    stmt = sa.select(Notification).order_by(Notification.id)
    for column, value in filters.items():
        stmt = stmt.where(getattr(Notification, column) == value)
    return list(model.Session.execute(stmt).scalars())


def recipients_by_event(letter_id: str) -> list[tuple[str, str | None, set[str]]]:
    """For each transition of a letter, in order: its action, the state it led to, the user ids notified."""
    events = model.Session.execute(
        sa.select(Event).where(Event.letter_id == letter_id, Event.action != "create").order_by(Event.seq)
    ).scalars()
    return [
        (event.action, event.to_state, set(model.Session.execute(
            sa.select(Notification.user_id).where(Notification.event_seq == event.seq)).scalars()))
        for event in events
    ]


def ids(*users: dict[str, Any]) -> set[str]:
    return {u["id"] for u in users}


def user_email(user: dict[str, Any]) -> str:
    """The address CKAN holds for a user (the factories give every user one)."""
    address = model.User.get(user["id"]).email
    assert address
    return address


# ---------------------------------------------------------------- tests

def test_submit_queues_a_notification_and_send_delivers_it(cast: Cast, draft, smtp):
    """Submitting writes one pending notification for the Kepala Bidang in the same transaction;
    notify.send() mails it to the Kepala Bidang's address, with the letter's subject and link,
    and marks it sent; a second send() sends nothing more."""
    letter = call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
    assert letter["state"] == cast.state(0)
    [pending] = notifications()
    assert pending.user_id == cast.first_approver["id"]
    assert pending.kind == "letter_submit"
    assert (pending.sent, pending.attempts, pending.last_error) == (None, 0, None)
    assert smtp.inbox.messages == []

    assert notify.send() == 1

    assert smtp.inbox.recipients() == [user_email(cast.first_approver)]
    [(_, message)] = smtp.inbox.messages
    assert message["To"].addresses[0].addr_spec == user_email(cast.first_approver)
    assert message["From"].addresses[0].addr_spec == "noreply@test.ckan.net"
    assert "Satu Data Balikpapan (test)" in message["Subject"]
    body = message.get_content()
    assert f'"{SUBJECT}"' in body
    assert "2026" in body
    assert f"http://test.ckan.net/sopsektoral/letter/{draft['id']}" in body
    [done] = notifications()
    assert done.sent is not None
    assert (done.attempts, done.last_error) == (1, None)

    assert notify.send() == 0
    assert len(smtp.inbox.messages) == 1


def test_each_step_notifies_whoever_acts_next(cast: Cast, draft, smtp):
    """Along the SOP, each transition notifies the holders of the next step's position
    (acting holders too, past holders not), and the signature notifies those who send."""
    advance(cast, draft["id"], "signed")
    expected, everyone = [], []
    for i, step in enumerate(cast.sop.approvals):
        users = [cast.approvers[i]] + ([cast.plt_signer] if step.executor == cast.sop.signature.executor else [])
        expected.append(("submit" if i == 0 else "initial", step.state, ids(*users)))
        everyone += users
    expected.append(("sign", "signed", ids(cast.drafter, cast.verifier)))  # the senders, in both SOP files
    everyone += [cast.drafter, cast.verifier]
    assert recipients_by_event(draft["id"]) == expected
    assert cast.former_first_approver["id"] not in {n.user_id for n in notifications()}
    assert notify.send() == len(everyone)
    assert smtp.inbox.recipients() == sorted(map(user_email, everyone))
    assert all(n.sent is not None for n in notifications())


def test_return_notifies_the_drafter(cast: Cast, draft, smtp):
    """A letter returned to draft is mailed to its drafter, with the approver's note, and not to
    the approver who returned it."""
    advance(cast, draft["id"], cast.state(0))
    notify.send()
    smtp.inbox.clear()

    note = "Tambahkan data Dinas Pendidikan"
    letter = call_action("sopsektoral_letter_return", as_user(cast.first_approver), id=draft["id"], note=note)
    assert letter["state"] == "draft"
    [pending] = notifications(kind="letter_return")
    assert pending.user_id == cast.drafter["id"]

    assert notify.send() == 1
    assert smtp.inbox.recipients() == [user_email(cast.drafter)]
    [body] = smtp.inbox.bodies()
    assert note in body
    assert SUBJECT in body


def test_signing_notifies_section_head_and_statistics_staff(cast: Cast, draft, smtp):
    """Signing notifies every Kepala Seksi and Staf Statistik holder (the ones who send the letter)."""
    second_staff = assign(factories.User(), cast.sop.verification.executor)
    advance(cast, draft["id"], cast.state(-1))
    notify.send()
    smtp.inbox.clear()

    call_action("sopsektoral_letter_sign", as_user(cast.signer), id=draft["id"])
    assert {n.user_id for n in notifications(kind="letter_sign")} == (
        ids(cast.drafter, cast.verifier) | {second_staff["user_id"]})
    assert notify.send() == 3
    assert smtp.inbox.recipients() == sorted([
        user_email(cast.drafter), user_email(cast.verifier),
        model.User.get(second_staff["user_id"]).email,
    ])
    assert all(SUBJECT in body for body in smtp.inbox.bodies())


def test_actor_is_never_notified_of_their_own_sign(cast: Cast, draft, smtp):
    """The Kepala Dinas who also holds Staf Statistik is not mailed about their own signature
    (only about the letter awaiting it)."""
    assign(cast.signer, cast.sop.verification.executor)
    advance(cast, draft["id"], "signed")
    sign = recipients_by_event(draft["id"])[-1]
    assert sign == ("sign", "signed", ids(cast.drafter, cast.verifier))
    assert notify.send() == len(notifications())
    received = smtp.inbox.recipients()
    assert received.count(user_email(cast.signer)) == 1
    assert received.count(user_email(cast.verifier)) == 1


def test_actor_is_never_notified_of_their_own_submit(cast: Cast, draft, smtp):
    """A Kepala Seksi who is also acting (Plh.) Kepala Bidang is not mailed about their own submit;
    the definitive Kepala Bidang is."""
    assign(cast.drafter, cast.sop.approvals[0].executor, acting="plh")
    call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
    assert {n.user_id for n in notifications()} == ids(cast.first_approver)
    assert notify.send() == 1
    assert smtp.inbox.recipients() == [user_email(cast.first_approver)]


def test_mail_server_down_keeps_the_notification_and_a_retry_delivers_it(cast: Cast, draft, smtp):
    """With the mail server down the transition still succeeds; send() raises RuntimeError and
    leaves the notification pending with attempts=1 and the error; once the server is back,
    send() delivers it."""
    smtp.stop()
    letter = call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
    assert letter["state"] == cast.state(0)

    with pytest.raises(RuntimeError, match="1 notification"):
        notify.send()
    [pending] = notifications()
    assert pending.sent is None
    assert pending.attempts == 1
    assert pending.last_error
    assert str(smtp.port) in pending.last_error
    shown = call_action("sopsektoral_letter_show", {"ignore_auth": True}, id=draft["id"])
    assert shown["state"] == cast.state(0)

    smtp.start()
    assert notify.send() == 1
    assert smtp.inbox.recipients() == [user_email(cast.first_approver)]
    [done] = notifications()
    assert done.sent is not None
    assert (done.attempts, done.last_error) == (2, None)


def test_gives_up_after_max_attempts(cast: Cast, draft, smtp):
    """A notification that failed MAX_ATTEMPTS times is no longer tried."""
    smtp.stop()
    call_action("sopsektoral_letter_submit", as_user(cast.drafter), id=draft["id"])
    for _ in range(notify.MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            notify.send()
    smtp.start()
    assert notify.send() == 0
    [note] = notifications()
    assert (note.sent, note.attempts) == (None, notify.MAX_ATTEMPTS)
    assert smtp.inbox.messages == []


def test_cli_sends_pending_notifications(cast: Cast, draft, smtp, cli):
    """`ckan sopsektoral notify` sends what is pending and exits 0; with the server down it exits 1
    and keeps them pending."""
    from ckanext.sopsektoral.cli import sopsektoral

    smtp.stop()
    advance(cast, draft["id"], cast.state(1))
    down = cli.invoke(sopsektoral, ["notify"])
    assert down.exit_code == 1, down.output
    pending = len(notifications())
    assert f"{pending} notification(s) could not be sent" in down.output
    assert [n.sent for n in notifications()] == [None] * pending

    smtp.start()
    result = cli.invoke(sopsektoral, ["notify"])
    assert result.exit_code == 0, result.output
    assert f"sent {pending} notification(s)" in result.output
    expected = {user_email(cast.first_approver), user_email(cast.second_approver)}
    if cast.state(1) == cast.state(-1):  # the second step is the signature: its acting holder too
        expected.add(user_email(cast.plt_signer))
    assert smtp.inbox.recipients() == sorted(expected)
    assert all(n.sent is not None for n in notifications())

    again = cli.invoke(sopsektoral, ["notify"])
    assert again.exit_code == 0, again.output
    assert "sent 0 notification(s)" in again.output


def test_the_opds_are_sent_a_link_to_the_letters_pdf(cast: Cast, draft, smtp):
    """Sending the letter e-mails each addressed OPD's operators, with the link to the letter's PDF
    (which they may download: tests/letters/test_pdf.py)."""
    advance(cast, draft["id"], sop.SIGNED)
    call_action("sopsektoral_letter_send", as_user(cast.drafter), id=draft["id"])
    notify.send()
    to_operator = [m for _, m in smtp.inbox.messages
                   if m["To"].addresses[0].addr_spec == user_email(cast.operator)]
    assert to_operator, "the OPD's operator was not e-mailed"
    assert f"http://test.ckan.net/sopsektoral/letter/{draft['id']}/pdf" in to_operator[-1].get_content()

"""How messages leave the app: SMTP e-mail, an HTTP SMS gateway, or the console for a demo.

No Flask here: ``from_config`` takes a plain mapping. No header is built from a value with
a line break or another control character (that would let it add headers of its own).
Every backend raises DeliveryError with a short description that is safe to store and show
to the clinic: never an address, a message text or a server reply (which may quote it).
"""

from __future__ import annotations

import base64
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Protocol

from ..checks import NOT_SINGLE_LINE
from ..config import DEV_SECRET_KEY

TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """A message could not be handed over; str() is safe to store."""


class BackendConfigError(ValueError):
    """The configuration names a backend but leaves out something it needs."""


@dataclass(frozen=True)
class Email:
    to: str
    sender_name: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Sms:
    to: str
    sender: str
    text: str


class EmailBackend(Protocol):
    def send(self, message: Email) -> None: ...


class SmsBackend(Protocol):
    def send(self, message: Sms) -> None: ...


def describe(error: BaseException) -> str:
    """The kind of failure and its code, without the server's wording."""
    if isinstance(getattr(error, "reason", None), BaseException):
        error = error.reason  # urllib wraps the socket error that says what happened
    code = getattr(error, "smtp_code", None) or getattr(error, "code", None)
    errno = getattr(error, "errno", None)
    detail = f" {code}" if code else (f" [Errno {errno}]" if errno else "")
    return f"{type(error).__name__}{detail}"


@dataclass
class SmtpEmail:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True

    def send(self, message: Email) -> None:
        mime = self._mime(message)  # before connecting: a bad header is refused outright
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mime)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"e-mail not accepted: {describe(error)}") from None

    def _mime(self, message: Email) -> EmailMessage:
        headers = (message.sender_name, self.sender, message.to, message.subject)
        if any(NOT_SINGLE_LINE.search(value) for value in headers):
            # A CR/LF in the clinic's name would start a header of its own (Bcc: …).
            raise DeliveryError("e-mail refused: a header holds a line break or control "
                                "character")
        mime = EmailMessage()
        mime["From"] = formataddr((message.sender_name, self.sender))
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=True)
        mime["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        mime.set_content(message.text)
        mime.add_alternative(message.html, subtype="html")
        return mime


def console_allowed(config: Mapping) -> bool:
    """Printing messages instead of sending them is for the demo and the tests only: with a
    production secret key it would put addresses and live links in a log."""
    return bool(config.get("TESTING")) or config.get("SECRET_KEY") in (DEV_SECRET_KEY, "", None)


@dataclass
class Unconfigured:
    """A channel with no server set in production: nothing is printed, every send fails."""

    channel: str
    setting: str

    def send(self, message) -> None:
        raise DeliveryError(f"no {self.channel} server is configured ({self.setting})")


class ConsoleEmail:
    """Prints the e-mail instead of sending it: the demo default, when no SMTP host is set."""

    def send(self, message: Email) -> None:
        print(f"E-mail to {message.to}: {message.subject}\n\n{message.text}\n", flush=True)


class ConsoleSms:
    """Prints the SMS instead of sending it: the demo default, when no gateway is set."""

    def send(self, message: Sms) -> None:
        print(f"SMS to {message.to}: {message.text}", flush=True)


@dataclass
class HttpSms:
    """A generic HTTP gateway: POST {"to", "from", "text"} as JSON; any 2xx means sent."""

    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None

    def send(self, message: Sms) -> None:
        body = json.dumps({"to": message.to, "from": message.sender, "text": message.text})
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  **self._auth()})
        try:
            # The URL comes from the operator's configuration, never from a request.
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"SMS gateway answered HTTP {error.code}") from None
        except OSError as error:
            raise DeliveryError(f"SMS gateway not reached: {describe(error)}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway answered HTTP {status}")

    def _auth(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.username:
            pair = f"{self.username}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}


def _text(value) -> str | None:
    # PATIENTAPP_* values are parsed as JSON, so a numeric password arrives as an int.
    return None if value in (None, "") else str(value)


def email_from_config(config: Mapping) -> EmailBackend:
    if not config.get("SMTP_HOST"):
        return ConsoleEmail() if console_allowed(config) else \
            Unconfigured("e-mail", "PATIENTAPP_SMTP_HOST")
    if not config.get("MAIL_FROM"):
        raise BackendConfigError("PATIENTAPP_SMTP_HOST is set but PATIENTAPP_MAIL_FROM is not: "
                                 "set the address invitations are sent from.")
    return SmtpEmail(host=str(config["SMTP_HOST"]), port=int(config.get("SMTP_PORT") or 587),
                     sender=str(config["MAIL_FROM"]), username=_text(config.get("SMTP_USERNAME")),
                     password=_text(config.get("SMTP_PASSWORD")),
                     starttls=bool(config.get("SMTP_STARTTLS", True)))


def sms_from_config(config: Mapping) -> SmsBackend:
    if not config.get("SMS_URL"):
        return ConsoleSms() if console_allowed(config) else \
            Unconfigured("SMS", "PATIENTAPP_SMS_URL")
    return HttpSms(url=str(config["SMS_URL"]), username=_text(config.get("SMS_USERNAME")),
                   password=_text(config.get("SMS_PASSWORD")),
                   token=_text(config.get("SMS_TOKEN")))

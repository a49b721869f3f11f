"""The worker: one long-running process (``flask worker``) for the scheduled jobs.

It replaces the cron lines for send-due, deliver, purge-expired and backups. A lease row
in the database lets only one worker act at a time; see loop.py and jobs.py.
"""

from flask import Flask

from .commands import worker_command


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)

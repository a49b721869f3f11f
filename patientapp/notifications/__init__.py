"""Invitations and reminders by e-mail and SMS: what is due, the outbox, and the backends."""

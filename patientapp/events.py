"""Signals other features subscribe to, so the patient flow does not import them."""

from blinker import Namespace

_signals = Namespace()

# Sent after a timepoint's answers are committed; receivers get timepoint_id=...
# Receivers must be quick and must not raise: the patient is waiting.
timepoint_submitted = _signals.signal("timepoint-submitted")

# Sent inside the submission's write transaction, after scores and alerts are stored;
# receivers get db=..., timepoint=... and may write in the same transaction (an outbox
# row commits or rolls back with the answers). They must not touch the network.
timepoint_submitting = _signals.signal("timepoint-submitting")

# Sent inside the write transaction that gave up on an invitation or reminder (the outbox
# row is now 'failed'); receivers get db=..., outbox_id=... and may write in the same
# transaction. They must not touch the network.
invitation_failed = _signals.signal("invitation-failed")

# Sent inside the write transaction that ended a course; receivers get db=...,
# course_id=... and may write in the same transaction. They must not touch the network.
course_ended = _signals.signal("course-ended")

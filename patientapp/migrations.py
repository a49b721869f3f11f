"""Schema migrations. An applied migration is never edited: add a new one instead."""

from __future__ import annotations

import sys

from sqlite_utils import Database, Migrations

migrations = Migrations("patientapp")


def _run(db: Database, script: str) -> None:
    # executescript() would commit the migration's transaction half-way; run one by one.
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    _run(db, """
CREATE TABLE clinics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE clinicians (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clinician', 'admin')),
    language TEXT NOT NULL DEFAULT 'da',
    active INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    pseudonym TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'da' CHECK (language IN ('da', 'en')),
    created_at TEXT NOT NULL
);
CREATE INDEX patients_clinic ON patients(clinic_id);
CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    pathway TEXT NOT NULL,
    referral_date TEXT,
    first_visit TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    consent TEXT NOT NULL DEFAULT 'unknown'
        CHECK (consent IN ('unknown', 'given', 'refused', 'withdrawn')),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX courses_patient ON courses(patient_id);
CREATE INDEX courses_clinic ON courses(clinic_id, status);
CREATE TABLE timepoints (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    questionnaires TEXT NOT NULL,
    send_at TEXT NOT NULL,
    remind_at TEXT,
    expires_at TEXT NOT NULL,
    is_final INTEGER NOT NULL DEFAULT 0,
    warning TEXT,
    submitted_at TEXT,
    UNIQUE (course_id, key)
);
CREATE INDEX timepoints_send ON timepoints(send_at);
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX invitations_timepoint ON invitations(timepoint_id);
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('given', 'refused', 'withdrawn')),
    method TEXT NOT NULL CHECK (method IN ('online', 'paper')),
    recorded_by INTEGER REFERENCES clinicians(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX consents_course ON consents(course_id);
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    locale TEXT NOT NULL,
    content_version TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    answers TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (timepoint_id, instrument)
);
CREATE INDEX responses_course ON responses(course_id);
CREATE TABLE psfs_activities (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    baseline INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES clinicians(id),
    UNIQUE (course_id, position)
);
CREATE TABLE scores (
    id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    item TEXT NOT NULL DEFAULT '',
    value REAL,
    valid INTEGER NOT NULL,
    band TEXT,
    answered INTEGER NOT NULL,
    reason TEXT,
    computed_at TEXT NOT NULL,
    UNIQUE (response_id, item)
);
CREATE INDEX scores_course ON scores(course_id, instrument, item);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER REFERENCES timepoints(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('alarm', 'worse', 'exercise', 'delivery')),
    level TEXT NOT NULL CHECK (level IN ('emergency', 'urgent', 'warning', 'info')),
    key TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by INTEGER REFERENCES clinicians(id),
    UNIQUE (course_id, timepoint_id, kind, key)
);
CREATE INDEX alerts_open ON alerts(course_id, acknowledged_at);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id INTEGER,
    clinic_id INTEGER,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_clinic ON audit_log(clinic_id, at)
""")


@migrations()
def m002_clinician_sessions(db: Database) -> None:
    # A per-login secret: signing out (or an admin disabling the account) changes it,
    # so every copy of an old session cookie stops working.
    _run(db, """
ALTER TABLE clinicians ADD COLUMN session_nonce TEXT;
ALTER TABLE clinicians ADD COLUMN last_login_at TEXT;
CREATE TABLE course_views (
    clinician_id INTEGER NOT NULL REFERENCES clinicians(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    viewed_at TEXT NOT NULL,
    PRIMARY KEY (clinician_id, course_id)
);
CREATE TABLE gp_notes (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES clinicians(id)
)
""")


@migrations()
def m003_outbox(db: Database) -> None:
    # Every invitation and reminder, one row per message, so a repeated or interrupted
    # run can tell what was already sent. The body is never stored: it holds a link token.
    # timepoints.moved_at marks a visit date set by hand, which later re-planning keeps.
    _run(db, """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    invitation_id INTEGER REFERENCES invitations(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    next_attempt_at TEXT
);
CREATE INDEX outbox_status ON outbox(status, next_attempt_at);
CREATE INDEX outbox_course ON outbox(course_id, timepoint_id);
ALTER TABLE timepoints ADD COLUMN moved_at TEXT
""")


@migrations()
def m004_exercise_plans(db: Database) -> None:
    # A plan is never edited: each change is a new version and the old one keeps current = 0.
    # plan_items repeats course_id so that access and erasure (which find a patient's rows
    # by that column) include the items. A log's client_id lets a phone that saved a log
    # offline send it again without it being counted twice.
    _run(db, """
CREATE TABLE exercise_plans (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES clinicians(id),
    note TEXT NOT NULL DEFAULT '',
    days_per_week INTEGER NOT NULL CHECK (days_per_week BETWEEN 1 AND 7),
    current INTEGER NOT NULL DEFAULT 1,
    UNIQUE (course_id, version)
);
CREATE UNIQUE INDEX exercise_plans_current ON exercise_plans(course_id) WHERE current = 1;
CREATE TABLE plan_items (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES exercise_plans(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    exercise_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    sets INTEGER,
    reps INTEGER,
    hold_seconds INTEGER,
    minutes INTEGER,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (plan_id, exercise_id)
);
CREATE TABLE exercise_logs (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    plan_id INTEGER REFERENCES exercise_plans(id) ON DELETE CASCADE,
    exercise_id TEXT NOT NULL,
    logged_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'partly', 'not-done')),
    pain TEXT CHECK (pain IN ('better', 'same', 'worse')),
    effort INTEGER CHECK (effort BETWEEN 0 AND 10),
    created_at TEXT NOT NULL,
    client_id TEXT,
    UNIQUE (course_id, client_id)
);
CREATE INDEX exercise_logs_course ON exercise_logs(course_id, logged_on);
CREATE TABLE education_reads (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    read_at TEXT NOT NULL,
    PRIMARY KEY (course_id, slug)
)
""")


@migrations()
def m005_webhooks_and_api_keys(db: Database) -> None:
    # webhook_deliveries is an outbox: a row is written in the submission's own transaction,
    # and body holds the exact bytes that are signed and sent, so every retry is identical.
    # give_up_at ends the retry window (an admin's retry starts a new one); claimed_at marks
    # a row being sent, so a run that died mid-send can be told from one still sending.
    # API keys are stored only as SHA-256 hashes; prefix is their first characters, to tell
    # them apart on the admin page.
    _run(db, """
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    give_up_at TEXT NOT NULL,
    claimed_at TEXT,
    last_status_code INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(clinic_id, status, id);
CREATE INDEX webhook_deliveries_timepoint ON webhook_deliveries(timepoint_id);
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES clinicians(id),
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_keys_clinic ON api_keys(clinic_id)
""")


@migrations()
def m006_clinician_sessions(db: Database) -> None:
    # One row per signed-in device, so a clinician can use the desk PC and a tablet at
    # once; signing out ends one session, a password change or deactivation ends all.
    # Replaces clinicians.session_nonce, which is no longer read.
    _run(db, """
CREATE TABLE clinician_sessions (
    id INTEGER PRIMARY KEY,
    clinician_id INTEGER NOT NULL REFERENCES clinicians(id) ON DELETE CASCADE,
    nonce_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX clinician_sessions_clinician ON clinician_sessions(clinician_id);
UPDATE clinicians SET session_nonce = NULL
""")


@migrations()
def m007_clinic_alarm_notifications(db: Database) -> None:
    # An alarm answer must reach a person at the clinic, not only a dashboard row: the
    # clinic records where alarm notifications go, and each one is an outbox row of kind
    # 'alarm' with the same at-most-once rules as the patients' messages. SQLite cannot
    # widen a CHECK constraint in place, so the outbox is rebuilt with its rows kept.
    _run(db, """
ALTER TABLE clinics ADD COLUMN alert_emails TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN alert_phones TEXT NOT NULL DEFAULT '';
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    invitation_id INTEGER REFERENCES invitations(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'alarm')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    next_attempt_at TEXT
);
INSERT INTO outbox_new SELECT id, course_id, timepoint_id, invitation_id, kind, channel,
    recipient, idempotency_key, status, attempts, last_error, created_at, claimed_at, sent_at,
    next_attempt_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_status ON outbox(status, next_attempt_at);
CREATE INDEX outbox_course ON outbox(course_id, timepoint_id)
""")


@migrations()
def m009_worker_lease(db: Database) -> None:
    # One row per lease (only 'worker' today): the worker that holds it unexpired is the
    # only one that acts; a killed worker's lease simply runs out. renewed_at tells
    # /readyz that a worker is alive. worker_jobs remembers each job's last run across
    # restarts and workers, so two workers, or a restarted one, never run a job twice.
    _run(db, """
CREATE TABLE worker_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE worker_jobs (
    name TEXT PRIMARY KEY,
    runs INTEGER NOT NULL DEFAULT 0,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_ok_at TEXT,
    last_outcome TEXT NOT NULL DEFAULT '' CHECK (last_outcome IN ('', 'ok', 'failed'))
)
""")


@migrations()
def m012_entry_code(db: Database) -> None:
    # The service code the course started with (0261 or 0262, 0241 or 0242, 0231 or 0232),
    # chosen at enrolment; re-planning the visits keeps it. Existing courses started with
    # their baseline timepoint's code.
    _run(db, """
ALTER TABLE courses ADD COLUMN entry_code TEXT;
UPDATE courses SET entry_code = (SELECT code FROM timepoints
    WHERE timepoints.course_id = courses.id AND timepoints.key = 'baseline')
""")


@migrations()
def m013_write_api(db: Database) -> None:
    # The clinic's own systems may drive courses: a key is 'read' (every key so far) or
    # 'write'; a course carries the clinic's own reference, unique within the clinic; and
    # a POST with an Idempotency-Key keeps its first answer (without any link token) so
    # that a retry replays it instead of enrolling the patient twice.
    _run(db, """
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'read'
    CHECK (scope IN ('read', 'write'));
ALTER TABLE courses ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX courses_external_id ON courses(clinic_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE TABLE api_idempotency (
    id INTEGER PRIMARY KEY,
    api_key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (api_key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency(created_at)
""")


@migrations()
def m013b_appointments(db: Database) -> None:
    # The booking system sends its appointments (FHIR Appointment by its own id); each is
    # tied to the timepoint its service code maps to, so a rebooking moves that visit and a
    # cancellation stops that timepoint's invitation (timepoints.stopped_at) until it is
    # booked again. request_hash tells a repeat of the same Appointment from a change.
    _run(db, """
ALTER TABLE timepoints ADD COLUMN stopped_at TEXT;
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    appointment_id TEXT NOT NULL,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    visit_date TEXT,
    request_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (clinic_id, appointment_id)
);
CREATE INDEX appointments_timepoint ON appointments(timepoint_id)
""")


@migrations()
def m008_session_search(db: Database) -> None:
    # The patient-list search term is a (part of a) patient's name: it is kept on the
    # signed-in device's session row, not in the session cookie, and dies with the row
    # when that device signs out or times out.
    _run(db, "ALTER TABLE clinician_sessions ADD COLUMN search TEXT NOT NULL DEFAULT ''")


@migrations()
def m008b_clinic_names(db: Database) -> None:
    # Commands pick a clinic by its name, so two clinics may not share one (letter case
    # and surrounding spaces aside). Existing clashes are not a reason to stop the
    # upgrade: the oldest clinic keeps the name, every later one gets " (id N)" added,
    # which is printed here and written to that clinic's audit log, so its admin sees it
    # and can choose a better name in the clinic settings.
    db.execute("UPDATE clinics SET name = trim(name) WHERE name != trim(name)")
    taken = {row["name"].casefold() for row in db.query("SELECT name FROM clinics")}
    for clinic in list(db.query(
            "SELECT c.id, c.name FROM clinics c WHERE EXISTS (SELECT 1 FROM clinics o"
            " WHERE o.name = c.name COLLATE NOCASE AND o.id < c.id) ORDER BY c.id")):
        new_name, n = f"{clinic['name']} (id {clinic['id']})", 1
        while new_name.casefold() in taken:  # someone really called theirs that
            n += 1
            new_name = f"{clinic['name']} (id {clinic['id']}, {n})"
        taken.add(new_name.casefold())
        db.execute("UPDATE clinics SET name = ? WHERE id = ?", [new_name, clinic["id"]])
        db.execute("INSERT INTO audit_log (at, actor_type, clinic_id, action, object_type,"
                   " object_id, detail) VALUES (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'),"
                   " 'migration', ?, 'rename-clinic-duplicate-name', 'clinic', ?, ?)",
                   [clinic["id"], clinic["id"], f"{clinic['name']} -> {new_name}"])
        print(f"m008b_clinic_names: clinic {clinic['id']} shared the name {clinic['name']!r}"
              f" with an older clinic and is now called {new_name!r}", file=sys.stderr)
    db.execute("CREATE UNIQUE INDEX clinics_name ON clinics(name COLLATE NOCASE)")


@migrations()
def m010_single_line_names(db: Database) -> None:
    # Names and phone numbers saved before they were checked may hold a CR/LF or another
    # control character; the clinic's name is the sender of every e-mail, where a line
    # break would start a header. Each run of them becomes one space.
    import re

    control = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
    for table, columns in (("clinics", ("name", "phone")), ("clinicians", ("name",)),
                           ("patients", ("name",))):
        for column in columns:
            rows = db.execute(f"SELECT id, {column} FROM {table}").fetchall()  # nosec B608
            for row_id, value in rows:
                if value and control.search(value):
                    db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?",  # nosec B608
                               [control.sub(" ", value).strip(), row_id])


@migrations()
def m015_content_snapshots(db: Database) -> None:
    # Each questionnaire's wording as the app served it, per language, the first time a
    # version was used: an export renders an old response with the words its patient
    # read, not with today's file. A row is never changed (content_version says which).
    _run(db, """
CREATE TABLE content_snapshots (
    instrument TEXT NOT NULL,
    content_version TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    first_used_at TEXT NOT NULL,
    PRIMARY KEY (instrument, content_version, locale)
)""")


@migrations()
def m018_consultation_records(db: Database) -> None:
    # What the physiotherapist records in the consultation (issue 18, items 9-12; 21.1):
    # - a questionnaire filled in with the patient in the consultation: who (the clinician)
    #   and when (submitted_at) are kept on the timepoint; NULL means the patient's own;
    # - the patient's birth date (optional) and the course's treating physiotherapist, for
    #   the GP summary;
    # - the neurological status (one row per modality, side and root level) and the
    #   functional tests recorded at a consultation;
    # - the course's painkiller use and attendance, and the physiotherapist's assessment
    #   stays in gp_notes.
    _run(db, """
ALTER TABLE timepoints ADD COLUMN completed_by INTEGER REFERENCES clinicians(id);
ALTER TABLE patients ADD COLUMN birth_date TEXT;
ALTER TABLE courses ADD COLUMN clinician_id INTEGER REFERENCES clinicians(id);
CREATE TABLE neuro_findings (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    modality TEXT NOT NULL CHECK (modality IN ('sensation', 'strength', 'reflexes')),
    side TEXT NOT NULL CHECK (side IN ('left', 'right')),
    root TEXT NOT NULL,
    finding TEXT NOT NULL CHECK (finding IN ('better', 'same', 'worse')),
    recorded_by INTEGER REFERENCES clinicians(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (timepoint_id, modality, side, root)
);
CREATE INDEX neuro_findings_course ON neuro_findings(course_id);
CREATE TABLE functional_tests (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    timepoint_id INTEGER NOT NULL REFERENCES timepoints(id) ON DELETE CASCADE,
    test TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES clinicians(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (timepoint_id, test)
);
CREATE INDEX functional_tests_course ON functional_tests(course_id);
CREATE TABLE course_records (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    painkillers TEXT NOT NULL DEFAULT '',
    painkillers_note TEXT NOT NULL DEFAULT '',
    attended INTEGER,
    missed INTEGER,
    updated_by INTEGER REFERENCES clinicians(id),
    updated_at TEXT NOT NULL
)
""")


@migrations()
def m014_totp(db: Database) -> None:
    # Two-factor sign-in (TOTP, RFC 6238) for clinicians. The secret is stored encrypted
    # with a key derived from SECRET_KEY (a copy of the database alone cannot make codes);
    # totp_pending_secret is the one being set up, until a code from it has been typed.
    # totp_last_step is the 30-second time step of the last code accepted: a code is
    # never taken twice. Recovery codes are stored as SHA-256 hashes, each used once.
    # A clinic may require two-factor sign-in of its admins.
    _run(db, """
ALTER TABLE clinicians ADD COLUMN totp_secret TEXT;
ALTER TABLE clinicians ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE clinicians ADD COLUMN totp_enabled_at TEXT;
ALTER TABLE clinicians ADD COLUMN totp_last_step INTEGER;
ALTER TABLE clinics ADD COLUMN require_admin_two_factor INTEGER NOT NULL DEFAULT 0
    CHECK (require_admin_two_factor IN (0, 1));
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    clinician_id INTEGER NOT NULL REFERENCES clinicians(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT,
    UNIQUE (clinician_id, code_hash)
)
""")


@migrations()
def m016_bulk_import(db: Database) -> None:
    # An admin's CSV upload, kept between its preview and the confirmation (never in the
    # cookie): the parsed table under a random id, bound to the signed-in device's
    # session row and dying with it, and removed at confirmation or once expired. It holds
    # patients' names and contact details, so it is kept no longer than that.
    _run(db, """
CREATE TABLE bulk_imports (
    id TEXT PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
    clinician_id INTEGER NOT NULL REFERENCES clinicians(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES clinician_sessions(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX bulk_imports_expires ON bulk_imports(expires_at);
CREATE INDEX bulk_imports_session ON bulk_imports(session_id)
""")


@migrations()
def m016b_webhook_events(db: Database) -> None:
    # The webhook also tells the clinic's system when an invitation could not be delivered
    # and when a course ends, through the same outbox: each delivery now says which event
    # it is (every earlier one was a completed questionnaire). timepoint_id stays the
    # anchor every delivery has: the invitation's timepoint, or the ended course's first.
    # A clinic may switch each event off; no row means on.
    _run(db, """
ALTER TABLE webhook_deliveries ADD COLUMN event TEXT NOT NULL DEFAULT 'questionnaire-completed'
    CHECK (event IN ('questionnaire-completed', 'invitation-undeliverable', 'course-ended'));
CREATE TABLE webhook_event_settings (
    clinic_id INTEGER NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (clinic_id, event)
)
""")


@migrations()
def m019_list_speed(db: Database) -> None:
    # The patient list ranks every listed course by its timepoints (next visit, due,
    # overdue, last answers): this index holds all four columns, so that pass reads the
    # index alone, never the table (about half the list's query time with 5,000 courses).
    _run(db, """
CREATE INDEX timepoints_list ON timepoints(course_id, visit_date, send_at, submitted_at)
""")

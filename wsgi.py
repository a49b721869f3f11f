"""Production entry point: ``gunicorn wsgi:app``.

Refuses to start with the development secret key (see patientapp.config.check_production).
"""

from patientapp import create_app
from patientapp.config import check_production

app = create_app()
check_production(app)

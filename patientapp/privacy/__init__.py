"""Privacy (GDPR): a patient's access to their data, erasure, and retention."""

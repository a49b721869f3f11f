"""FHIR R4 for the clinic's own systems: resource builders, bundles and ``flask export-fhir``.

``resources`` and ``bundles`` are pure (no Flask, no database); ``queries`` loads the
completed timepoints they are built from. docs/integration.md, "FHIR resources", is the
specification; ``codes`` says which external codes are used and why the others are not.
"""

"""Courses: enrolment on a pathway and the dated timepoints that follow from it."""

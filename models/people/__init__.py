"""People: facilitators, coordinators and managers; the facilitator file; unavailability."""

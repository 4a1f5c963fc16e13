"""Field forms (KoboToolbox, ODK): the XLSForms generated from the step schemas, the exports read
back, and the field submissions already imported."""

"""Values that follow from a stack's configuration and its target: the sizes its capacity needs (`capacity`), the
database's connection limit and the rolling-deploy surge (`connections`), the alarm thresholds (`thresholds`)."""

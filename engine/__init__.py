"""Rootball's workflow engine: processes, versions, instances, inbox, timers and audit.

Nothing here imports Flask; the web app and the scheduler call these services.
"""

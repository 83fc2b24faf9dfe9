"""Long work off the web request: counts, statement batches, exports, emails, large imports (docs/jobs.md).

A :class:`~clt.jobs.models.Job` is ours: what the page shows (who asked, progress, result, error,
retries). The engine is django-tasks with its database backend (``manage.py db_worker``): the one
task ``clt.jobs.runner.run_job(job_id)`` looks the job's kind up in :mod:`clt.jobs.registry`, where
each app registers its kinds from ``AppConfig.ready()``, so the project package imports no app.
"""

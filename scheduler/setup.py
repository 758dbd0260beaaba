"""The APScheduler instance and the periodic jobs it runs.

Jobs hold no state of their own: each tick reads from the database what is due.
APScheduler's defaults would skip a job more than a second late; ours tolerate a
busy event loop and fold missed runs into one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import Jobs

JOB_DEFAULTS = {"misfire_grace_time": 300, "coalesce": True, "max_instances": 1}


def create_scheduler(timezone: tzinfo) -> AsyncIOScheduler:
    return AsyncIOScheduler(timezone=timezone, job_defaults=JOB_DEFAULTS)


def add_jobs(scheduler: AsyncIOScheduler, jobs: Jobs, dispatch_interval: timedelta) -> None:
    scheduler.add_job(
        jobs.scheduled_dispatch,
        IntervalTrigger(seconds=dispatch_interval.total_seconds()),
        id="dispatch_surveys",
        replace_existing=True,
        next_run_time=datetime.now(scheduler.timezone),  # what came due while we were down
    )
    scheduler.add_job(
        jobs.tag_themes,
        IntervalTrigger(minutes=1),
        id="tag_themes",
        replace_existing=True,
        next_run_time=datetime.now(scheduler.timezone),  # answers written before a restart
    )
    scheduler.add_job(
        jobs.back_up,
        IntervalTrigger(minutes=1),
        id="back_up",
        replace_existing=True,
        next_run_time=datetime.now(scheduler.timezone),  # a slot missed while we were down
    )
    scheduler.add_job(
        jobs.housekeeping,
        IntervalTrigger(hours=1),
        id="housekeeping",
        replace_existing=True,
    )

"""Mail benchmark: one outbox pass sending `--mails` queued reminders to a local SMTP server.

The server is aiosmtpd in its own process, discarding what it receives, as a relay on the same
network would take it; the figures are the seconds of the pass, per mail (and the CPU time of the
sending process, which a busy machine distorts less), the SQL statements per mail and the SMTP
connections opened.

    python -m bench.mail [--backends sqlite,postgresql] [--mails 2000]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine, insert

from bench.engine import database
from bench.scheduler import QueryCounter, smtp_server
from engine import outbox
from engine.db import make_sessionmaker
from engine.mailer import MailSettings
from engine.models import OutboxEmail, utcnow

BODY = ("您好：\n\n您在“带土移植”引育计划系统中有一项任务已逾期，请尽快登录系统办理。\n\n"
        "任务：推荐单位审核推荐\n截止时间：2025-10-10 17:00\n\n广西壮族自治区科学技术厅\n")


def run(eng: Engine, backend: str, mails: int) -> None:
    """Queue `mails` messages and time one drain of the outbox."""
    sessions = make_sessionmaker(eng)
    with smtp_server() as url:
        settings = replace(MailSettings.from_env({}), smtp_url=url, budget_seconds=3600.0)
        now = utcnow()
        rows = [outbox.new_row(to_addr=f"user{i}@rootball.example", subject="【带土移植】任务已逾期", body=BODY,
                               key=f"bench-{i}", settings=settings, now=now - timedelta(minutes=1))
                for i in range(mails)]
        with sessions.begin() as session:
            if rows:
                session.execute(insert(OutboxEmail), rows)
        counter = QueryCounter(eng)
        started, cpu = time.perf_counter(), time.process_time()
        report = outbox.drain(sessions, settings, now)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    per_mail, cpu_per_mail = (x / max(report.sent, 1) * 1000 for x in (seconds, cpu))
    print(f"{backend:10} mail: {report.sent:,d} sent in {seconds:.2f} s ({per_mail:.2f} ms, of which "
          f"{cpu_per_mail:.2f} ms CPU in the sending process, and "
          f"{counter.count / max(report.sent, 1):.2f} statements per mail, {report.connections} SMTP connection"
          f"{'s' if report.connections != 1 else ''}), {report.retrying + report.failed + report.uncertain} not sent",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--mails", type=int, default=2000)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with database(backend) as eng:
            run(eng, backend, args.mails)


if __name__ == "__main__":
    main()

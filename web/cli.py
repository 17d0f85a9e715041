"""The `rootball` command line."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import Engine

from engine import repository
from engine.db import make_engine, make_sessionmaker
from engine.errors import Problem

# The clock a pass may be set to: the working-day calendar and every stored instant live well inside it.
CLOCK_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
NOW_EXAMPLE = "例如 2025-10-20T09:00:00+08:00（不写时区按 UTC）"


def _refuse(message: str) -> NoReturn:
    """A usage error in Chinese on stderr, exit status 2 (no traceback)."""
    click.echo(message, err=True)
    sys.exit(2)


def _parse_now(value: str | None) -> datetime | None:
    """`--now` as an aware instant, or None when not given; refuses what the scheduler cannot run at."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        in_utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        _refuse(f"--now 的值“{value}”不是有效的 ISO 8601 时间，{NOW_EXAMPLE}")
    if not CLOCK_RANGE[0] <= in_utc < CLOCK_RANGE[1]:
        _refuse(f"--now 的值“{value}”超出可用范围：须在 2000-01-01 至 2099-12-31 之间")
    return moment


@contextmanager
def _database() -> Iterator[Engine]:
    """The configured database for one command, disposed when the command ends."""
    eng = make_engine()
    try:
        yield eng
    finally:
        eng.dispose()


def _read(paths: tuple[str, ...]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The files named on the command line (folders read whole), and the path typed for each name.

    A file is named by the path typed when that stays below the current folder, else by its base
    name (no absolute path of this machine goes into the library); deploying matches it to the
    library by the processes it defines, whatever its name.
    """
    files: dict[str, bytes] = {}
    typed: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.update(repository.read_folder(path))
            continue
        name = path.name if path.is_absolute() or ".." in path.parts else path.as_posix()
        name = raw if name in files else name  # two files of one base name: keep them apart
        files[name], typed[name] = path.read_bytes(), raw
    return files, typed


def _echo_problems(problems: list[Problem], typed: dict[str, str]) -> None:
    for problem in problems:
        click.echo(str(replace(problem, file=typed.get(problem.file, problem.file))))


@click.group(help="Rootball — 广西“带土移植”引育计划业务系统")
def main() -> None:
    """Entry point."""


@main.command(help="创建或升级数据库结构，部署随系统发布的流程，写入基础数据（可重复执行）")
def init() -> None:
    from engine.seed import init as run_init

    with _database() as eng:
        lines = run_init(eng) or ["流程均已是最新版本"]
    for line in lines:
        click.echo(f"已部署 {line}" if " v" in line else line)
    click.echo("初始化完成")


@main.command(help="init，并创建演示用户、申报批次和若干处于不同阶段的申报（可重复执行）")
def demo() -> None:
    from engine.seed import demo as run_demo
    from engine.seed import demo_password

    with _database() as eng:
        result = run_demo(eng)
    click.echo(f"演示账号（密码 {demo_password()}）：{', '.join(result['users'])}")
    for line in result["applications"]:
        click.echo(line)


@main.command(help="校验 BPMN/DMN 文件，不部署；有问题时逐条输出 FILE:LINE: ELEMENT_ID: message 并以 1 退出")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
def validate(files: tuple[str, ...]) -> None:
    read, typed = _read(files)
    problems = repository.validate(read)
    _echo_problems(problems, typed)
    if problems:
        sys.exit(1)
    click.echo(f"{len(files)} 个文件校验通过")


@main.command(help="校验并部署为新版本；无效时同 validate 输出并以 1 退出")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--note", default="", help="版本说明")
def deploy(files: tuple[str, ...], note: str) -> None:
    from engine.errors import InvalidProcess

    read, typed = _read(files)
    try:
        with _database() as eng, make_sessionmaker(eng).begin() as session:
            versions = repository.deploy(session, read, note=note)
            lines = [f"{v.process_key} v{v.version}" for v in versions]
    except InvalidProcess as e:
        _echo_problems(e.problems, typed)
        sys.exit(1)
    for line in lines:
        click.echo(f"已部署 {line}")
    if not lines:
        click.echo("没有需要部署的流程")


@main.command(help="执行一次调度：到期定时器、提醒、邮件发送；--now 指定“当前时间”")
@click.option("--now", "now_text", default=None, help="ISO 8601 时间，默认当前时间")
def tick(now_text: str | None) -> None:
    from web.ticking import run_tick

    now = _parse_now(now_text)
    with _database() as eng:
        report = run_tick(make_sessionmaker(eng), now)
    click.echo(json.dumps(report, ensure_ascii=False))
    if report["errors"]:
        click.echo(f"本次调度有 {len(report['errors'])} 个步骤出错：" + "；".join(report["errors"]), err=True)
        sys.exit(1)


@main.command(help="启动 Web 服务（gunicorn，多进程）")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option("--workers", default=3, type=int)
def serve(host: str, port: int, workers: int) -> None:
    from web.serving import serve as run_serve

    run_serve(host, port, workers)


@main.command(help="运行调度器直到停止（PostgreSQL 上多个调度器中只有一个处于工作状态）")
@click.option("--interval", type=float, default=None,
              help="每轮调度间隔秒数，默认 60（或 ROOTBALL_SCHEDULER_INTERVAL）")
@click.option("--lock-retry", type=float, default=None,
              help="备用调度器争取主锁的间隔秒数，默认 15（或 ROOTBALL_SCHEDULER_LOCK_RETRY）")
@click.option("--now", "now_text", default=None, help="让调度器时钟从该 ISO 8601 时间起走（演练用）")
def scheduler(interval: float | None, lock_retry: float | None, now_text: str | None) -> None:
    from engine.scheduling import SchedulerSettings
    from web.ticking import run_forever

    defaults = SchedulerSettings.from_env()
    settings = SchedulerSettings(interval or defaults.interval, lock_retry or defaults.lock_retry)
    start_at = _parse_now(now_text)
    with _database() as eng:
        run_forever(eng, settings, start_at)


@main.group(help="用户管理：列出、创建用户，授予角色（管理员在无法登录网页时使用）")
def users() -> None:
    """User administration."""


@users.command("list", help="列出全部用户及其角色")
def users_list() -> None:
    from sqlalchemy import select

    from engine.models import User

    with _database() as eng, make_sessionmaker(eng)() as session:
        for user in session.scalars(select(User).order_by(User.id)).all():
            roles = ", ".join(f"{g.role}:{g.scope}" if g.scope else g.role for g in user.grants) or "-"
            state = "" if user.active else "（已停用）"
            click.echo(f"{user.id}\t{user.username}\t{user.display_name}{state}\t{roles}")


@users.command("add", help="创建用户并授予一个角色；密码从标准输入或提示读取")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名或单位名称")
@click.option("--role", required=True, help="applicant / recommender / officer / expert / admin")
@click.option("--scope", default=None, help="推荐单位所辖设区市，如 南宁市")
@click.option("--email", default=None)
@click.password_option(prompt="密码", confirmation_prompt=True)
def users_add(username: str, display_name: str, role: str, scope: str | None, email: str | None,
              password: str) -> None:
    from engine import accounts
    from engine.errors import EngineError, FormInvalid

    try:
        with _database() as eng, make_sessionmaker(eng).begin() as session:
            accounts.check_grant(role, scope)
            user = accounts.create_user(session, username=username, display_name=display_name,
                                        password=password, email=email)
            accounts.grant_role(session, user.id, role, scope)
            click.echo(f"已创建用户 {username}（{role}{':' + scope if scope else ''}）")
    except FormInvalid as e:
        for field, messages in e.errors.items():
            text = "；".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            click.echo(f"{field}: {text}", err=True)
        sys.exit(1)
    except EngineError as e:
        click.echo(str(e), err=True)
        sys.exit(1)


@main.group(help="放假安排：导入、查看（工作日期限据此计算）")
def calendar() -> None:
    """The holiday calendar."""


@calendar.command("import", help="导入放假安排文件：每行“日期 休|班 名称”，如“2027-02-05 休 春节”；"
                                 "空行与 # 注释忽略；文件中每个年份的已录入日期被整体替换，并重新计算经过该年的期限")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default=None, help="来源说明，默认为文件名（如 国办发明电〔2026〕×号）")
def calendar_import(file: str, source: str | None) -> None:
    from engine.holidays import entry
    from engine.runtime import Runtime

    path = Path(file)
    try:
        years = entry.parse_file(path.read_text("utf-8"), source or path.name)
    except UnicodeDecodeError:
        click.echo(f"{file}: 文件不是 UTF-8 编码的文本", err=True)
        sys.exit(1)
    except entry.ScheduleFileInvalid as e:
        for number, message in e.problems:
            click.echo(f"{file}:{number}: {message}", err=True)
        sys.exit(1)
    with _database() as eng:
        done = entry.change(Runtime(make_sessionmaker(eng)), years, actor_id=None)
    for line in done.summary():
        click.echo(line)


@calendar.command("recount", help="重新计算经过这些年份的工作日期限"
                                  "（修改放假安排时已自动进行；用于其中有实例未能计算时重试）")
@click.argument("years", nargs=-1, required=True, type=int)
def calendar_recount(years: tuple[int, ...]) -> None:
    from engine.holidays.recount import recount_years
    from engine.runtime import Runtime

    with _database() as eng:
        report = recount_years(Runtime(make_sessionmaker(eng)), sorted(set(years)), actor_id=None)
    for line in report.summary():
        click.echo(line)
    if report.failed:
        sys.exit(1)


@calendar.command("show", help="列出一年的休息日与调休上班日，并说明来源（已录入、chinesecalendar 或按法定节日推算）")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    from engine.holidays.entry import FIRST_YEAR, LAST_YEAR
    from engine.holidays.notes import warning
    from engine.holidays.schedule import BASIS_LABELS, KIND_LABELS
    from engine.holidays.source import CalendarView

    if not FIRST_YEAR <= year <= LAST_YEAR:
        click.echo(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间", err=True)
        sys.exit(1)
    with _database() as eng, make_sessionmaker(eng)() as session:
        schedule = CalendarView(session).year(year)
    click.echo(f"{year} 年放假安排（{BASIS_LABELS[schedule.basis]}）")
    if not schedule.official:
        click.echo(warning([year]))
    for day in schedule.listing():
        click.echo(f"{day.day.isoformat()}\t周{'一二三四五六日'[day.day.weekday()]}\t{KIND_LABELS[day.kind]}\t"
                   f"{day.name}\t{day.source}")


@main.group(help="参考名单：揭榜榜单、合作院校名单（带有效期）")
def reference() -> None:
    """The reference lists administrators maintain."""


@reference.command("import", help=(
    "从 CSV（UTF-8）或 Excel（.xlsx）文件导入名单：首行为列名，"
    "揭榜榜单 code,title,kind,valid_from,valid_to（或 榜单编号,题目,类别,生效日期,截止日期），"
    "合作院校 name,region,agreement_no,valid_from,valid_to"
    "（或 院校名称,国家或地区,合作协议编号,生效日期,截止日期）；"
    "已有编号或名称的行修改该条目；任一行有错则全部不导入"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--list", "kind", type=click.Choice(["jiebang", "partners"]), default=None,
              help="名单（默认按表头判断）")
def reference_import(file: str, kind: str | None) -> None:
    from engine.reference import LISTS
    from engine.reference_import import ImportRefused, import_file

    path = Path(file)
    with _database() as eng:
        try:
            with make_sessionmaker(eng).begin() as session:
                done = import_file(session, path, actor_id=None, kind=kind)
        except ImportRefused as e:
            for line in e.lines:
                click.echo(f"{file}: {line}", err=True)
            click.echo("未导入任何条目", err=True)
            sys.exit(1)
    click.echo(f"{LISTS[done.kind]}：新增 {done.added} 条，修改 {done.changed} 条")

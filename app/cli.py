"""``flask --app wsgi ...`` commands."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no municipality.")
def seed_demo_command(if_empty: bool) -> None:
    """Create the demo municipalities Musterstadt and Beispielheim with one login per role."""
    from app.demo import DEMO_LOGINS, DEMO_PASSWORD, is_empty, seed_demo

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-demo refuses to run with the production configuration.")
    if if_empty and not is_empty():
        click.echo("The database already has data; demo not seeded again.")
    else:
        seed_demo()
        db.session.commit()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        where = login.municipality or "platform"
        if login.platform_admin:
            role = "platform admin"
        else:
            role = login.role.value if login.role else "facilitator (directory, no membership)"
        click.echo(f"  {login.email:36} {role:12} {where}")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a verified platform admin (for a new installation)."""
    from app.accounts.models import User
    from app.accounts.passwords import hash_password, password_problem
    from app.accounts.services import find_by_email, normalise_email
    from app.core.time import utcnow

    problem = password_problem(password, email=email, display_name=name)
    if problem:
        raise click.ClickException(problem)
    if find_by_email(email) is not None:
        raise click.ClickException("An account with this e-mail address exists already.")
    now = utcnow()
    db.session.add(
        User(
            email=normalise_email(email),
            display_name=name,
            password_hash=hash_password(password),
            email_verified_at=now,
            consented_at=now,
            is_platform_admin=True,
        )
    )
    db.session.commit()
    click.echo(f"Platform admin {email} created.")


@click.command("scheduler")
@click.option(
    "--wait/--no-wait",
    default=True,
    help="While another scheduler runs: wait as its standby (default), or exit at once.",
)
def scheduler_command(wait: bool) -> None:
    """Run the background scheduler (phase changes, reminders) until stopped.

    Exactly one runs per database: a second one waits on the lock and takes over when the first
    stops.
    """
    import signal
    import threading

    from app.core.scheduler import Scheduler

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    runner = Scheduler(current_app._get_current_object())
    announced = False
    while not runner.start():
        if not wait:
            click.echo("Another scheduler is running; exiting.")
            return
        if not announced:
            click.echo("Another scheduler is running; waiting to take over.")
            announced = True
        if stop.wait(10):
            return
    click.echo("Scheduler running. Stop it with Ctrl-C.")
    try:
        while not stop.wait(30):
            if not runner.lock.still_held():
                raise click.ClickException("The scheduler lost its database lock; stopping.")
    finally:
        runner.stop()
        click.echo("Scheduler stopped.")


@click.command("seed-bench")
@click.option("--scale", type=float, default=1.0, show_default=True, help="1 is a big city.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
def seed_bench_command(scale: float, seed: int) -> None:
    """Fill the database with a big city's generated data for the benchmark (bench/)."""
    from app.bench_seed import check_counters, seed_bench

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-bench refuses to run with the production configuration.")
    if not 0 < scale <= 10:
        raise click.ClickException("--scale must be above 0 and at most 10.")
    with click.progressbar(length=int(5_200_000 * scale) + 5_000, label="Loading rows") as bar:
        plan = seed_bench(scale, seed=seed, progress=bar.update)
    db.session.commit()
    wrong = {name: n for name, n in check_counters().items() if n}
    if wrong:
        raise click.ClickException(f"Counters disagree with their rows: {wrong}")
    for table, count in sorted(plan.counts.items()):
        click.echo(f"  {table:24} {count:>10,}")
    click.echo(f"Municipality /{plan.municipality_slug}/, largest process {plan.big_process_slug}.")


def register(app: Flask) -> None:
    for command in (
        seed_demo_command,
        create_admin_command,
        scheduler_command,
        seed_bench_command,
    ):
        app.cli.add_command(command)

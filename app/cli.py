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
        role = "platform admin" if login.platform_admin else login.role.value
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


def register(app: Flask) -> None:
    for command in (seed_demo_command, create_admin_command):
        app.cli.add_command(command)

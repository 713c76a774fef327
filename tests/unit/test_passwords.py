"""Password rules and hashing (``app.accounts.passwords``), without HTTP."""

from __future__ import annotations

import pytest

from app.accounts.passwords import hash_password, password_problem, verify_password
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _request(app):
    """The rules read PASSWORD_MIN_LENGTH from the config and speak the request's language."""
    with app.test_request_context():
        yield


def test_password_is_hashed_with_scrypt_and_salted():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:")
    assert PASSWORD not in first
    assert first != second


def test_hash_verifies_only_the_right_password(password_hash):
    assert verify_password(password_hash, PASSWORD)
    assert not verify_password(password_hash, PASSWORD + " ")
    assert not verify_password(password_hash, "")


@pytest.mark.parametrize("stored", [None, "", "!", "plain-text-password"])
def test_missing_or_unusable_hash_verifies_nothing(stored):
    guesses = {None: "timing-equaliser-not-a-password", "": "timing-equaliser-not-a-password"}
    assert not verify_password(stored, guesses.get(stored, stored))


def test_good_password_has_no_problem():
    assert password_problem(PASSWORD, email="a@example.org", display_name="Anna") is None


def test_password_needs_ten_characters():
    assert password_problem("Kx9#mP2$q") is not None  # nine
    assert password_problem("Kx9#mP2$qZ") is None  # ten


def test_minimum_length_comes_from_the_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 14)
    problem = password_problem("Kx9#mP2$qZ7!w")
    assert problem is not None
    assert "14" in problem


def test_overlong_password_is_refused():
    assert password_problem("Kx9#mP2$qZ" * 26) is not None
    assert password_problem("Kx9#mP2$qZ" * 25) is None


@pytest.mark.parametrize(
    "common",
    ["password123", "qwertyuiop", "1234567890", "Password123", "QWERTYUIOP", "iloveyou12!"],
)
def test_common_passwords_are_refused(common):
    assert len(common) >= 10
    assert password_problem(common) is not None


@pytest.mark.parametrize(
    ("password", "email", "name"),
    [
        ("anna.schmidt@example.org", "anna.schmidt@example.org", ""),
        ("ANNA.SCHMIDT@EXAMPLE.ORG", "anna.schmidt@example.org", ""),
        ("anna.schmidt", "anna.schmidt@example.org", ""),
        ("Anna Schmidt aus Ulm", "a@example.org", "Anna Schmidt aus Ulm"),
        ("anna schmidt aus ulm", "a@example.org", "Anna Schmidt aus Ulm"),
    ],
)
def test_password_equal_to_email_or_name_is_refused(password, email, name):
    assert password_problem(password, email=email, display_name=name) is not None


def test_problems_are_explained_in_german_by_default():
    assert password_problem("kurz") == "Das Passwort muss mindestens 10 Zeichen haben."
    assert password_problem("password123") == (
        "Dieses Passwort steht auf einer Liste häufig verwendeter Passwörter. "
        "Bitte wählen Sie ein anderes."
    )
    assert password_problem("anna.schmidt", email="anna.schmidt@example.org") == (
        "Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein."
    )

"""The tutorial's password rule, exactly (PRODUCT.md §3 Passwords)."""

import pytest

from espace_abonne.accounts.passwords import hash_password, is_common_password, password_errors, password_hasher


def codes(password: str, confirmation: str | None = None) -> list[str]:
    return [e.code for e in password_errors(password, confirmation)]


@pytest.mark.parametrize("password", ["Ecluse9!", "Écluse9!", "Torse#2026", "aB3$xyz", "Été 2026 à Aix!", "ß9Ä!aaaa"])
def test_passwords_that_follow_the_rule(password: str) -> None:
    assert codes(password) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("aB3$xy", ["password_too_short"]),
        ("abcdef1!", ["password_missing_uppercase"]),
        ("ABCDEF1!", ["password_missing_lowercase"]),
        ("Abcdefg!", ["password_missing_digit"]),
        ("Abcdefg1", ["password_missing_special"]),
        ("Abcdef1 ", ["password_missing_special"]),  # whitespace is not a special character
        ("Abcdef1!+", ["password_forbidden_character"]),
        ("-Abcdef1!", ["password_forbidden_character"]),
        ("Abcdef1+", ["password_missing_special", "password_forbidden_character"]),
        ("Aa1!" + "x" * 125, ["password_too_long"]),
        ("", ["password_too_short", "password_missing_digit", "password_missing_lowercase",
              "password_missing_uppercase", "password_missing_special"]),
    ],
)  # fmt: skip
def test_each_failing_rule_has_its_code(password: str, expected: list[str]) -> None:
    assert codes(password) == expected


def test_unicode_letters_count_as_letters_not_special() -> None:
    assert codes("ÉCLUSE9é") == ["password_missing_special"]
    assert codes("écluse9!") == ["password_missing_uppercase"]


def test_exactly_7_and_128_characters_are_allowed() -> None:
    assert codes("aB3$xyz") == []
    assert codes("Aa1!" + "x" * 124) == []


def test_every_message_is_french_and_distinct() -> None:
    errors = password_errors("", "x")
    messages = [e.message for e in errors]
    assert len(set(messages)) == len(messages)
    assert all("mot de passe" in m.lower() or "confirmation" in m.lower() for m in messages)


def test_confirmation_must_match() -> None:
    [error] = password_errors("Ecluse9!", "Ecluse9?")
    assert (error.field, error.code) == ("password_confirmation", "password_confirmation_mismatch")


@pytest.mark.parametrize("password", ["Azerty123!", "Password1!", "Soleil2024#", "Marseille13!", "P@ssw0rd"])
def test_common_passwords_and_their_decorated_forms_are_refused(password: str) -> None:
    assert is_common_password(password)
    assert codes(password) == ["password_too_common"]


@pytest.mark.parametrize("password", ["Ecluse9!Torse", "Tr0ub4dor&3x", "Cordeliers#2026"])
def test_uncommon_passwords_pass(password: str) -> None:
    assert not is_common_password(password)


def test_hash_is_argon2id_with_at_least_owasp_parameters() -> None:
    hashed = hash_password("Ecluse9!")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert password_hasher().verify(hashed, "Ecluse9!")
    assert hash_password("Ecluse9!") != hashed  # salted

"""Property tests (Hypothesis): the password rule, email normalisation, contract numbers and clés,
exact money and the importer's record validation."""

import string
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from espace_abonne.accounts.passwords import password_errors
from espace_abonne.contracts.billing import ContractRecord
from espace_abonne.contracts.keys import is_contract_number, key_digest, normalize_key
from espace_abonne.core.email_addresses import email_errors, normalize_email
from espace_abonne.core.money import format_cents

SECRET = "property-test-secret-of-32-characters!"


def expected_codes(password: str) -> set[str]:
    """The tutorial's rule, written independently of the implementation."""
    codes = set()
    password = unicodedata.normalize("NFKC", password)
    invisible = [c for c in password if unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"}]
    if invisible:
        codes.add("password_invisible_character")
    if len(password) < 7:
        codes.add("password_too_short")
    if len(password) > 128:
        codes.add("password_too_long")
    if not any(c.isdigit() for c in password):
        codes.add("password_missing_digit")
    if not any(c.islower() for c in password):
        codes.add("password_missing_lowercase")
    if not any(c.isupper() for c in password):
        codes.add("password_missing_uppercase")
    # The spec: "any character that is not a letter, a digit or whitespace" (½ is none of them).
    specials = [c for c in password if not (c.isalpha() or c.isdigit() or c.isspace()) and c not in invisible]
    if not [c for c in specials if c not in "+-"]:
        codes.add("password_missing_special")
    if "+" in password or "-" in password:
        codes.add("password_forbidden_character")
    return codes


@given(st.text(max_size=140))
def test_the_password_rule_reports_exactly_the_failing_rules(password: str) -> None:
    codes = {e.code for e in password_errors(password)} - {"password_too_common"}
    assert codes == expected_codes(password)


@given(st.text(max_size=40), st.text(max_size=40))
def test_a_confirmation_is_required_to_match_exactly(password: str, confirmation: str) -> None:
    mismatch = any(e.code == "password_confirmation_mismatch" for e in password_errors(password, confirmation))
    assert mismatch == (password != confirmation)


@given(st.emails())
def test_normalisation_is_idempotent_trimmed_and_lowercase(email: str) -> None:
    raw = f"  {email.upper()}\t"
    normalized = normalize_email(raw)
    assert normalized == normalize_email(normalized)
    assert normalized == normalized.strip().lower()
    assert normalized == email.lower()


@given(st.emails().filter(lambda e: len(e) <= 254))
def test_syntactically_valid_addresses_are_accepted_without_dns(email: str) -> None:
    assert email_errors(normalize_email(email)) == []


@given(st.text(max_size=30))
def test_text_is_an_email_only_if_it_has_one_at_sign_in_a_valid_place(text: str) -> None:
    if "@" not in text:
        assert email_errors(normalize_email(text)) != []


@given(st.from_regex(r"\d{5}\.\d{5}\.\d{2}", fullmatch=True))
def test_every_well_formed_contract_number_is_accepted(number: str) -> None:
    assert is_contract_number(number)


@given(st.text(alphabet=string.digits + ".-/ a", max_size=16))
def test_a_contract_number_is_exactly_five_dot_five_dot_two_digits(text: str) -> None:
    parts = text.split(".")
    well_formed = [len(p) for p in parts] == [5, 5, 2] and all(p.isascii() and p.isdigit() for p in parts)
    assert is_contract_number(text) == well_formed


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=4, max_size=12), st.data())
def test_a_cle_is_recognised_whatever_its_case_spaces_and_dashes(key: str, data: st.DataObject) -> None:
    variant = "".join(
        data.draw(st.sampled_from(["", " ", "-"])) + (c.lower() if data.draw(st.booleans()) else c) for c in key
    )
    assert normalize_key(variant) == key
    assert key_digest(SECRET, "11301.11377.01", variant) == key_digest(SECRET, "11301.11377.01", key)
    assert key_digest(SECRET, "11301.11377.02", key) != key_digest(SECRET, "11301.11377.01", key)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_is_exact_both_ways(cents: int) -> None:
    from decimal import Decimal

    text = format_cents(cents)
    assert Decimal(text) * 100 == cents
    if cents > 0:
        from espace_abonne.contracts.billing import _to_cents

        assert _to_cents(text) == cents


@st.composite
def contracts(draw: st.DrawFn) -> dict[str, object]:
    """A contract record whose figures add up: payments never exceed their invoice."""
    invoices, payments = [], []
    for n in range(draw(st.integers(0, 6))):
        amount = draw(st.integers(1, 100_000))
        parts = draw(st.lists(st.integers(1, amount), max_size=3))
        paid: list[int] = []
        for part in parts:
            if sum(paid) + part <= amount:
                paid.append(part)
        status = "payée" if sum(paid) == amount else ("à payer" if not paid else "partiellement payée")
        number = f"F{n:04d}"
        invoices.append(
            {"number": number, "issue_date": f"2025-{n + 1:02d}-01", "due_date": f"2025-{n + 1:02d}-20",
             "amount_ttc": format_cents(amount), "status": status, "pdf": True}
        )  # fmt: skip
        payments += [
            {"date": f"2025-{n + 1:02d}-15", "amount": format_cents(p), "method": "chèque", "invoice_number": number}
            for p in paid
        ]
    return {
        "type": "contract", "number": "11301.11377.01", "payer_id": "P", "key": "ABCD-EFGH", "status": "actif",
        "start_date": "2020-01-01", "service_address": "1 rue A", "holder": "H",
        "meter": {"number": "M", "remote_reading": True}, "monthly_payment": False, "regulation_version": "V",
        "data_as_of": "2026-01-01", "readings": [], "invoices": invoices, "payments": payments,
    }  # fmt: skip


@settings(max_examples=60)
@given(contracts())
def test_records_that_add_up_are_accepted_with_the_right_balance(record: dict[str, object]) -> None:
    from decimal import Decimal

    parsed = ContractRecord.model_validate(record)
    invoices, payments = record["invoices"], record["payments"]
    assert isinstance(invoices, list)
    assert isinstance(payments, list)
    invoiced = sum((Decimal(str(i["amount_ttc"])) for i in invoices), Decimal(0))
    paid = sum((Decimal(str(p["amount"])) for p in payments), Decimal(0))
    assert Decimal(format_cents(parsed.balance_cents)) == invoiced - paid


@settings(max_examples=60)
@given(contracts(), st.sampled_from(["payée", "à payer", "partiellement payée"]))
def test_a_status_that_does_not_match_the_payments_is_refused(record: dict[str, object], status: str) -> None:
    import pytest
    from pydantic import ValidationError

    invoices = record["invoices"]
    assert isinstance(invoices, list)
    if not invoices or invoices[0]["status"] == status:
        return
    invoices[0] = {**invoices[0], "status": status}
    with pytest.raises(ValidationError, match="its payments make it"):
        ContractRecord.model_validate(record)

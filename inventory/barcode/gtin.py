"""GTIN helpers: the product number as a person types it, and its GS1 check digit.

The catalogue keys products by 14-digit GTIN, and both typed GTINs and scanned ones are
checked here, so a misread digit is caught the same way wherever it comes from.
"""

from __future__ import annotations

from biip.checksums import gs1_standard_check_digit
from biip.gtin import Gtin

from inventory.barcode.refusals import char_name, clip
from inventory.errors import InvalidInput


def normalise_gtin(text: str) -> str:
    """Check a GTIN a person typed and return it as 14 digits, the catalogue's one key.

    Spaces between digit groups (as printed under an EAN-13) are allowed; anything else
    wrong raises :class:`InvalidInput` with a sentence for the person typing.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            "Type the product's GTIN: the 8, 12, 13 or 14 digits printed under its barcode."
        )
    shown = text.strip()
    digits = shown.replace(" ", "")
    bad = next((ch for ch in digits if ch not in "0123456789"), None)
    if bad is not None:
        raise InvalidInput(
            f"The GTIN '{clip(shown)}' may contain only digits; {char_name(bad)} is not one."
        )
    if len(digits) not in (8, 12, 13, 14):
        raise InvalidInput(
            f"The GTIN '{shown}' has {len(digits)} digits; a GTIN has 8, 12, 13 or 14. "
            "Compare it with the digits printed under the barcode."
        )
    if not gtin_check_digit_ok(digits.zfill(14)):
        expected = gs1_standard_check_digit(digits[:-1])
        raise InvalidInput(
            f"The GTIN '{shown}' ends in {digits[-1]} but its check digit should be "
            f"{expected}: a digit was typed wrong. Compare it with the package."
        )
    if set(digits) == {"0"}:
        raise InvalidInput("A GTIN of only zeros is not a product number.")
    try:
        return Gtin.parse(digits).as_gtin_14()
    except Exception as exc:
        raise InvalidInput(f"The GTIN '{shown}' is not a valid product number.") from exc


def gtin_check_digit_ok(gtin14: str) -> bool:
    """True if a 14-digit GTIN's last digit is its GS1 check digit (False for non-GTINs)."""
    if not isinstance(gtin14, str) or len(gtin14) != 14:
        return False
    if any(ch not in "0123456789" for ch in gtin14):
        return False
    return gs1_standard_check_digit(gtin14[:-1]) == int(gtin14[-1])

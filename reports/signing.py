"""Signing reports with the clinic's key, unwrapped for the signed-in person.

The key is the clinic's one report-signing key (inventory.signing_key), kept in the
database wrapped for each account that may export; the person exporting unwraps it by
signing in. Nothing is read from, or written to, the data folder: a copied folder
cannot sign. Nobody vouches for the self-signed certificate, so its SHA-256 fingerprint
is printed on every cover and by ``verify``: an inspector compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import Connection

from inventory.access import Actor
from inventory.errors import LedgerError
from inventory.signing_key import fingerprint
from inventory.staff import certificate

__all__ = ["ClinicKey", "clinic_key", "fingerprint", "leaf_problem", "sign_bytes"]


@dataclass(frozen=True)
class ClinicKey:
    """The clinic's signing key (PKCS#8 DER) and certificate (DER), in memory only."""

    key_der: bytes
    cert_der: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert_der)

    @property
    def cert_pem(self) -> str:
        return (
            x509.load_der_x509_certificate(self.cert_der)
            .public_bytes(serialization.Encoding.PEM)
            .decode("ascii")
        )

    def private_key(self) -> rsa.RSAPrivateKey:
        # Our own key, unwrapped from our own ledger: skip the slow RSA consistency check.
        key = serialization.load_der_private_key(
            self.key_der, password=None, unsafe_skip_rsa_key_validation=True
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        return key


def clinic_key(conn: Connection, by: Actor) -> ClinicKey:
    """The clinic's key for the person exporting (a role without it is refused)."""
    cert = certificate(conn)
    if cert is None:
        raise LedgerError(
            "This ledger has no signing certificate yet: create the first manager.",
            code="no_certificate",
        )
    return ClinicKey(by.keys.get("signing"), cert)


def sign_bytes(data: bytes, key: ClinicKey) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256 over ``data`` (the manifest's signature)."""
    return key.private_key().sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify_bytes(data: bytes, signature: bytes, cert: x509.Certificate) -> bool:
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    try:
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def leaf_problem(cert: x509.Certificate) -> str | None:
    """Why a certificate is not a clinic signing certificate, or None when it is one."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound as exc:
        return f"its certificate lacks {exc.oid.dotted_string}"
    if basic.ca:
        return "its certificate is a CA certificate, not a signing certificate"
    if not (usage.digital_signature and usage.content_commitment):
        return "its certificate is not meant for signatures (key usage)"
    return None


@dataclass(frozen=True)
class Visible:
    """Where the signature is shown and what it looks like: drawn by the PDF reader."""

    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points
    appearance: bytes  # a one-page PDF the size of the box (reports.signature_box)


def sign_pdf(
    src: Path,
    dst: Path,
    key: ClinicKey,
    *,
    reason: str,
    location: str,
    visible: Visible | None = None,
    signed_at: datetime | None = None,
) -> None:
    """Sign the finished PDF with the clinic's key (pyHanko, from memory).

    With ``visible`` the signature field gets that box and an appearance stream, so every
    reader that draws annotations shows it on the page; ``signed_at`` is the signing time
    put in the signature (the ledger's clock, the time the box shows).
    """
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(key.cert_der)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key.key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="ClinicSignature", md_algorithm="sha256", reason=reason, location=location
    )
    spec = None
    style = None
    if visible is not None:
        spec = fields.SigFieldSpec(
            sig_field_name="ClinicSignature", on_page=visible.page, box=visible.box
        )
        style = _static_style(visible.appearance)
    pdf_signer = _timed_signer(
        meta, signer=signer, stamp_style=style, new_field_spec=spec, signed_at=signed_at
    )
    with src.open("rb") as infile, dst.open("wb") as outfile:
        writer = IncrementalPdfFileWriter(infile, strict=False)
        pdf_signer.sign_pdf(writer, output=outfile)


def _static_style(appearance: bytes) -> Any:
    """A pyHanko stamp style that draws ``appearance`` (a one-page PDF) edge to edge."""
    import io

    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp import StaticStampStyle

    class _FromBytes(PdfContent):
        """pyHanko's ImportedPdfPage reads a file; this reads the page from memory."""

        def render(self) -> bytes:
            writer = self._ensure_writer
            xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(appearance)), page_ix=0)
            self.resources.xobject["/SLAppearance"] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return b"/SLAppearance Do"

    return StaticStampStyle(
        background=_FromBytes(),
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def _timed_signer_class() -> type:
    from pyhanko.sign import signers

    class TimedSigner(signers.PdfSigner):
        """pyHanko's signer, with the signing time taken from the ledger's clock."""

        def __init__(self, *args: Any, signed_at: datetime | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._signed_at = signed_at

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            if self._signed_at is not None:
                session.system_time = self._signed_at
            return session

    return TimedSigner


def _timed_signer(*args: Any, **kwargs: Any) -> Any:
    return _timed_signer_class()(*args, **kwargs)

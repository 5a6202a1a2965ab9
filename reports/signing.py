"""Signing reports with the clinic's key, unwrapped for the signed-in person.

The key is the clinic's one report-signing key (inventory.signing_key), kept in the
database wrapped for each account that may export; the person exporting unwraps it by
signing in. Nothing is read from, or written to, the data folder: a copied folder
cannot sign. Nobody vouches for the self-signed certificate, so its SHA-256 fingerprint
is printed on every cover and by ``verify``: an inspector compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def sign_pdf(src: Path, dst: Path, key: ClinicKey, *, reason: str, location: str) -> None:
    """Sign the finished PDF with the clinic's key (pyHanko, from memory)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
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
    with src.open("rb") as infile, dst.open("wb") as outfile:
        writer = IncrementalPdfFileWriter(infile, strict=False)
        signers.sign_pdf(writer, meta, signer=signer, output=outfile)

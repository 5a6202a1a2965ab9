"""The clinic's report-signing key: one per clinic, made at setup, kept only wrapped.

The certificate is self-signed and is a leaf, not a CA (key usage digitalSignature and
nonRepudiation): poppler then reports it as "issuer unknown" rather than damaged (see
DESIGN). Nobody vouches for a self-signed key, so its SHA-256 fingerprint is printed on
every report cover and by ``verify``. The private key lives in the database wrapped for
each account that may export (inventory.keyring); the certificate is public and kept in
clear beside it, so every workstation of the clinic signs with the one certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 3072
VALID_YEARS = 30
LEGACY_KEY_FILE = "report-signing-key.pem"
LEGACY_CERT_FILE = "report-signing-cert.pem"


def new_signing_key(clinic_name: str) -> tuple[bytes, bytes]:
    """A new key and its certificate: (PKCS#8 DER private key, DER certificate)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    cert = make_certificate(key, clinic_name)
    return _key_der(key), cert.public_bytes(serialization.Encoding.DER)


def legacy_signing_key(folder: Path) -> tuple[bytes, bytes] | None:
    """A key an earlier version kept in clear in the data folder, to carry it over."""
    key_path, cert_path = folder / LEGACY_KEY_FILE, folder / LEGACY_CERT_FILE
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, rsa.RSAPrivateKey):
        return None
    return _key_der(key), cert.public_bytes(serialization.Encoding.DER)


def _key_der(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificate(key: rsa.RSAPrivateKey, clinic_name: str) -> x509.Certificate:
    """A self-signed leaf certificate for signing reports (not a CA)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{clinic_name} report signing"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic_name[:64] or "Clinic"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def fingerprint(cert_der: bytes) -> str:
    """The certificate's SHA-256, in groups of four hex digits for reading aloud."""
    digest = hashlib.sha256(cert_der).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))
